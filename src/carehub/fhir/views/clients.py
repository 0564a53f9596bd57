"""Pages of a hub administrator: the partner systems of the organisations it administers
(its own and its network's CBOs); registering one, its client_id and token URL, new keys,
revoking it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from carehub.fhir.forms import KeysForm, PartnerSystemForm, scope_grid
from carehub.fhir.selectors.clients import get_partner_system, partner_systems
from carehub.fhir.services import clients
from carehub.tenancy.access import Acting, organisations_managed_by, require_acting
from carehub.tenancy.models import Role


def _form_errors(form: KeysForm, exc: ValidationError) -> None:
    for field, problems in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


@require_acting(Role.HUB_ADMIN)
def partner_list(request: HttpRequest, acting: Acting) -> HttpResponse:
    return render(request, "fhir/partner_list.html", {"partners": partner_systems(acting)})


@require_acting(Role.HUB_ADMIN)
@require_http_methods(["GET", "POST"])
def partner_new(request: HttpRequest, acting: Acting) -> HttpResponse:
    form = PartnerSystemForm(request.POST or None, request.FILES or None,
                             organisations=organisations_managed_by(acting.organisation))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            partner = clients.register(data["organisation"], name=data["name"],
                                       scopes=data["scopes"], role=data["role"] or None,
                                       jwks=data.get("jwks") or None,
                                       jwks_url=data.get("jwks_url") or "", acting=acting)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"{partner.name} is registered. Give its client_id and the "
                                      "token URL to the partner.")
            return redirect("fhir:partner", pk=partner.pk)
    return render(request, "fhir/partner_form.html", {"form": form, "grid": scope_grid(),
                                                      "ticked": set(form["scope"].value() or ())},
                  status=400 if form.errors else 200)


@require_acting(Role.HUB_ADMIN)
def partner_detail(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    partner = get_partner_system(acting, pk)
    return render(request, "fhir/partner_detail.html", _detail(request, partner, KeysForm()))


def _detail(request: HttpRequest, partner: object, keys_form: KeysForm) -> dict[str, object]:
    return {"partner": partner, "keys_form": keys_form,
            "token_url": request.build_absolute_uri(reverse("fhir:token")),
            "smart_url": request.build_absolute_uri(reverse("fhir:smart-configuration")),
            "base_url": request.build_absolute_uri("/fhir/")}


@require_acting(Role.HUB_ADMIN)
@require_POST
def partner_keys(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    partner = get_partner_system(acting, pk)
    form = KeysForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            clients.rotate_keys(partner, jwks=form.cleaned_data.get("jwks") or None,
                                jwks_url=form.cleaned_data.get("jwks_url") or "", acting=acting)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"{partner.name}'s keys are replaced.")
            return redirect("fhir:partner", pk=partner.pk)
    return render(request, "fhir/partner_detail.html", _detail(request, partner, form), status=400)


@require_acting(Role.HUB_ADMIN)
@require_POST
def partner_revoke(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    partner = get_partner_system(acting, pk)
    clients.revoke(partner, acting=acting)
    messages.success(request, f"{partner.name} is revoked: its tokens no longer work.")
    return redirect("fhir:partner", pk=partner.pk)
