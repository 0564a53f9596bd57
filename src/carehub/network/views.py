from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from carehub.network import selectors, services
from carehub.network.forms import CapacityForm, LocationForm, ServiceForm
from carehub.network.models import CapacityStatus, Location, Service
from carehub.tenancy import roles
from carehub.tenancy.access import Acting, require_acting
from carehub.tenancy.models import OrganisationKind

ALL_ROLES = roles.EVERYONE
EDIT_ROLES = roles.NETWORK_EDITORS


def _editable(acting: Acting, service: Service) -> bool:
    return acting.has_role(*EDIT_ROLES) and selectors.editable_organisations(
        acting.organisation).filter(pk=service.organisation_id).exists()


@require_acting(*ALL_ROLES)
def directory(request: HttpRequest, acting: Acting) -> HttpResponse:
    filters = {key: request.GET.get(key, "").strip()[:80]
               for key in ("service_type", "county", "language", "q")}
    if acting.organisation.kind == OrganisationKind.PAYER:
        # A plan's directory is its network under its contracts (the contracts app).
        query = request.GET.urlencode()
        return redirect(reverse("contracts:plan_directory") + (f"?{query}" if query else ""))
    entries = selectors.directory(
        acting.organisation, service_type=filters["service_type"], county=filters["county"],
        language=filters["language"], query=filters["q"],
    )
    return render(request, "network/directory.html", {
        "services": entries, "filters": filters, "service_types": selectors.service_types(),
        "stale_count": sum(1 for s in entries if s.is_stale),
        "can_add": acting.has_role(*EDIT_ROLES),
        # Capacity is edited in place (htmx) on the rows the acting organisation keeps.
        "editable_ids": set(selectors.editable_organisations(acting.organisation)
                            .values_list("pk", flat=True)) if acting.has_role(*EDIT_ROLES)
        else set(),
        "capacity_choices": CapacityStatus.choices,
    })


@require_acting(*ALL_ROLES)
def service_detail(request: HttpRequest, acting: Acting, pk: str) -> HttpResponse:
    service = selectors.get_service(acting.organisation, pk)
    return render(request, "network/service_detail.html", {
        "service": service, "can_edit": _editable(acting, service),
        "sites": service.at_locations.select_related("location"),
        "capacity_form": CapacityForm(instance=service),
    })


@require_acting(*EDIT_ROLES)
def service_edit(request: HttpRequest, acting: Acting, pk: str | None = None) -> HttpResponse:
    organisations = selectors.editable_organisations(acting.organisation)
    if pk is None:
        service = Service(organisation=acting.organisation)
    else:
        service = selectors.get_service(acting.organisation, pk)
        if not _editable(acting, service):
            raise Http404("Not found")
    form = ServiceForm(request.POST or None, instance=service, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        saved = services.save_service(form.save(commit=False), form.cleaned_data,
                                      acting=acting)
        messages.success(request, f"Saved and verified {saved.name}.")
        return redirect("network:service", pk=saved.pk)
    return render(request, "network/service_form.html", {"form": form, "service": service})


@require_acting(*EDIT_ROLES)
def capacity(request: HttpRequest, acting: Acting, pk: str) -> HttpResponse:
    """Update capacity (and so confirm the entry is current)."""
    service = selectors.get_service(acting.organisation, pk)
    if not _editable(acting, service) or request.method != "POST":
        raise Http404("Not found")
    form = CapacityForm(request.POST, instance=service)
    if request.headers.get("HX-Request"):
        return _capacity_cell(request, acting, service, form)
    if form.is_valid():
        services.save_service(form.save(commit=False), {}, acting=acting)
        messages.success(request, f"Capacity of {service.name} is now "
                                  f"{CapacityStatus(service.capacity_status).label.lower()}.")
    else:
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("network:service", pk=service.pk)


@require_acting(*EDIT_ROLES)
def sites(request: HttpRequest, acting: Acting) -> HttpResponse:
    """The sites the acting organisation keeps, with the services offered at each."""
    rows = (selectors.editable_locations(acting.organisation)
            .select_related("organisation")
            .prefetch_related("services_here__service")
            .order_by("organisation__name", "name"))
    return render(request, "network/sites.html", {"sites": rows})


@require_acting(*EDIT_ROLES)
def site_edit(request: HttpRequest, acting: Acting, pk: str | None = None) -> HttpResponse:
    organisations = selectors.editable_organisations(acting.organisation).order_by("name")
    if pk is None:
        location = Location()
    else:
        location = selectors.get_editable_location(acting.organisation, pk)
    offered = selectors.editable_services(acting.organisation)
    if not location._state.adding:
        offered = offered.filter(organisation=location.organisation_id)
    form = LocationForm(request.POST or None, instance=location, organisations=organisations,
                        services=offered.order_by("organisation__name", "name"))
    if request.method == "POST" and form.is_valid():
        saved = services.save_location(form.save(commit=False),
                                       form.cleaned_data["services_here"], acting=acting)
        messages.success(request, f"Saved site {saved.name}.")
        return redirect("network:sites")
    return render(request, "network/site_form.html", {
        "form": form, "location": location, "creating": location._state.adding})


def _capacity_cell(request: HttpRequest, acting: Acting, service: Service,
                   form: CapacityForm) -> HttpResponse:
    """The directory row's capacity cell after an in-place update (htmx)."""
    error = ""
    if form.is_valid():
        service = services.save_service(form.save(commit=False), {}, acting=acting)
    else:
        error = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        # The invalid form has written into the instance: show what is stored.
        service = selectors.get_service(acting.organisation, service.pk)
    return render(request, "network/_capacity_cell.html", {
        "s": service, "can_edit": True, "saved": not error, "error": error,
        "capacity_choices": CapacityStatus.choices,
    })
