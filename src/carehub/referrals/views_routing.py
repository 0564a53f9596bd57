"""Making and routing referrals: the hub coordinator's and the plan's new-referral forms
(pickers, then the routing decision in words), the hub's needs-routing queue and the
coordinator's reroute. Objects of another organisation answer 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django_htmx.http import HttpResponseClientRedirect
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.contracts import selectors as contract_selectors
from carehub.contracts.models import Contract, ServiceDefinition
from carehub.htmx_forms import form_errors
from carehub.members.models import Member
from carehub.referrals import selectors, services, uploads
from carehub.referrals.models import OPEN_STATES, Referral
from carehub.referrals.routing_forms import (
    RerouteForm,
    RouteFromQueueForm,
    RoutingReferralForm,
    search_members,
)
from carehub.tenancy import roles
from carehub.tenancy.access import Acting, network_cbos, require_acting
from carehub.tenancy.models import Organisation, OrganisationKind, Role

HUB = roles.HUB
QUEUE_PAGE = 50


# --- what each organisation may pick ---------------------------------------------------

def _members(acting: Acting) -> QuerySet[Member]:
    """Members the acting organisation may refer: a plan its own; a hub those shared with
    it by plans paying it under a contract in effect."""
    org = acting.organisation
    if org.kind == OrganisationKind.PAYER:
        return Member.objects.filter(plan=org)
    return Member.objects.filter(access__organisation=org,
                                 plan__in=uploads.plans_working_with(org)).distinct()


def _contracts(acting: Acting) -> list[Contract]:
    """Contracts in effect the acting organisation refers under: a hub's as provider; a
    plan's as payer, with a hub it works with."""
    org = acting.organisation
    found = contract_selectors.in_effect().select_related("payer", "provider")
    if org.kind == OrganisationKind.PAYER:
        hubs = [h.pk for h in uploads.hubs_for(acting)]
        found = found.filter(payer=org, provider__in=hubs)
    else:
        found = found.filter(provider=org)
    return list(found.order_by("code"))


def _form(acting: Acting, data: Any = None, initial: dict[str, Any] | None = None
          ) -> RoutingReferralForm:
    hub_side = acting.organisation.kind == OrganisationKind.HUB
    form = RoutingReferralForm(
        data, members=_members(acting), contracts=_contracts(acting),
        cbos=list(network_cbos(acting.organisation).order_by("name")) if hub_side else None,
        for_plan=not hub_side, initial=initial,
        may_override_rules=acting.has_role(Role.HUB_ADMIN))
    # Choosing a contract narrows the service select to its services (htmx; without
    # script the select lists every contract's services, grouped, and the form checks).
    form.fields["contract"].widget.attrs.update({
        "hx-get": reverse("referrals:contract_services"), "hx-target": "#service-field",
        "hx-swap": "outerHTML", "hx-trigger": "change"})
    return form


def routing_note(acting: Acting, referral: Referral) -> dict[str, Any]:
    """What the referral page says about routing. The routing reason is the router's
    sentence about the directory, shown to every party; a coordinator's override reason
    is the hub's own text and follows the sharing rule like other free text."""
    hub_text = selectors.sharing(referral.member_id, acting.organisation).may_read(
        referral.hub_id)
    return {"reason": referral.routing_reason, "needs_routing": referral.needs_routing,
            "override": referral.routed_by_override,
            "override_reason": referral.override_reason if hub_text else "",
            "override_withheld": referral.routed_by_override and not hub_text}


def _audit_members(request: HttpRequest, what: str, members: list[Member]) -> None:
    if members:
        audit.record("view", request=request, object_type="member_search", object_id=what,
                     detail={"member_ids": [m.pk for m in members]})


# --- new referral (hub coordinator) and refer to the hub (plan) ------------------------

@require_acting(*HUB)
def new_referral(request: HttpRequest, acting: Acting) -> HttpResponse:
    """The hub coordinator's new referral: routing chooses the CBO, or the coordinator
    does, with a reason."""
    return _new_referral(request, acting)


@require_acting(Role.PAYER_MANAGER)
def plan_refer(request: HttpRequest, acting: Acting) -> HttpResponse:
    """The plan refers one of its members to a hub it pays; the hub's routing chooses."""
    return _new_referral(request, acting)


def _new_referral(request: HttpRequest, acting: Acting) -> HttpResponse:
    """Pick the member, contract and service; the page then shows the routing decision
    and why."""
    query = (request.GET.get("q") or "").strip()
    form = _form(acting, request.POST or None)
    placement: services.Placement | None = None
    error = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            # A refusal (rules, ownership) is shown in the form's error region, beside
            # what was chosen, not as a banner above the page.
            placement, error, status = _place(acting, form.cleaned_data)
        else:
            status = 400
    if placement is not None:
        form = _form(acting)
    chosen = form.cleaned_data.get("member") if form.is_bound and hasattr(
        form, "cleaned_data") else None
    results = [chosen] if isinstance(chosen, Member) else search_members(_members(acting), query)
    _audit_members(request, "new-referral", results)
    hub_side = acting.organisation.kind == OrganisationKind.HUB
    response = render(request, "referrals/routing/new.html", {
        "form": form, "query": query, "results": results,
        "chosen": chosen.pk if isinstance(chosen, Member) else None,
        "placement": placement, "hub_side": hub_side, "error": error,
        "title": "New referral" if hub_side else "Refer a member to a hub"})
    response.status_code = status
    return response


def _place(acting: Acting, data: dict[str, Any]
           ) -> tuple[services.Placement | None, str, int]:
    member: Member = data["member"]
    contract: Contract = data["contract"]
    hub: Organisation = contract.provider
    try:
        uploads.check_contract_code(member.plan, hub, contract.code)
        placement = services.place_referral(
            member=member, hub=hub, contract=contract, service_code=data["service"].code,
            service_type=data.get("service_type") or "",
            organisation=data.get("organisation"),
            override_reason=data.get("override_reason") or "",
            rules_override_reason=data.get("rules_override_reason") or "",
            anchor_date=data.get("anchor_date"),
            source="manual" if acting.organisation.kind == OrganisationKind.HUB else "plan",
            acting=acting)
    except services.AlreadyOwned as exc:
        return None, str(exc), 409
    except (services.ReferralError, uploads.NotAllowed) as exc:
        return None, str(exc), 400
    return placement, "", 200


@require_acting(*HUB, Role.PAYER_MANAGER)
def member_search(request: HttpRequest, acting: Acting) -> HttpResponse:
    """The member picker's results (htmx): radio buttons inside the referral form."""
    query = (request.GET.get("q") or "").strip()
    results = search_members(_members(acting), query)
    _audit_members(request, "search", results)
    return render(request, "referrals/routing/_member_results.html",
                  {"results": results, "query": query, "chosen": None})


@require_acting(*HUB, Role.PAYER_MANAGER)
def contract_services(request: HttpRequest, acting: Acting) -> HttpResponse:
    """The service select for the chosen contract (htmx)."""
    form = _form(acting, initial={"contract": request.GET.get("contract") or ""})
    return render(request, "referrals/routing/_service_field.html", {"form": form})


# --- the hub's needs-routing queue -------------------------------------------------------

def queue_for(hub: Organisation) -> QuerySet[Referral]:
    """Open referrals the hub holds because no CBO qualified, oldest first, of members
    the hub has access to."""
    # The hub's scope as a semi-join (see `selectors.hub_referrals`): counting and deep
    # pages do no member lookup per held referral.
    return (selectors.hub_referrals(hub).filter(needs_routing=True, state__in=OPEN_STATES)
            .order_by("created_at", "pk"))


@require_acting(*HUB)
def needs_routing(request: HttpRequest, acting: Acting) -> HttpResponse:
    hub = acting.organisation
    # Members are read for the page's rows only (in the hub's scope), not joined first.
    page = Paginator(queue_for(hub).prefetch_related("member"), QUEUE_PAGE).get_page(
        request.GET.get("page"))
    rows = list(page.object_list)
    audit.record("view", request=request, object_type="referral_list",
                 object_id="hub-needs-routing", detail={"member_ids": [r.member_id for r in rows]})
    with scopes_disabled():
        names = {(code, service): name for code, service, name in ServiceDefinition.objects
                 .filter(contract__code__in={r.contract_code for r in rows})
                 .values_list("contract__code", "code", "name")}
    for r in rows:
        r.service_name = names.get((r.contract_code, r.service_code), r.service_code)  # type: ignore[attr-defined]
    cbos = list(network_cbos(hub).order_by("name"))
    # Every row's select offers the same CBOs: built once, not once per row (50 rows of
    # 40 options cost more to render in the template than the page's queries).
    options = format_html_join("", '<option value="{}">{}</option>',
                               ((c.pk, c.name) for c in cbos))
    return render(request, "referrals/routing/queue.html", {
        "page": page, "rows": rows, "cbos": cbos, "cbo_options": options})


def _done(request: HttpRequest, to: str) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        return HttpResponseClientRedirect(to)
    return redirect(to)


@require_acting(*HUB)
def route_queued(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    """Route a held referral again, or hand it to a chosen CBO with a reason."""
    referral = Referral.objects.filter(pk=pk, hub=acting.organisation).select_related(
        "member").first()
    if referral is None or request.method != "POST":
        raise Http404("Not found")
    form = RouteFromQueueForm(request.POST,
                              cbos=list(network_cbos(acting.organisation).order_by("name")))
    if not form.is_valid():
        return form_errors(request, "Not routed: please correct the fields below.", form)
    data = form.cleaned_data
    back = reverse("referrals:needs_routing") + (
        f"?page={request.GET['page']}" if request.GET.get("page", "").isdecimal() else "")
    try:
        placement = services.route_from_queue(referral, data["version"], data["organisation"],
                                              acting=acting, reason=data["reason"])
    except services.ReferralError as exc:
        if request.htmx:  # type: ignore[attr-defined]
            return form_errors(request, str(exc), form,
                               status=409 if isinstance(exc, services.ConflictError) else 400)
        messages.error(request, str(exc))
        return _done(request, back)
    if placement.referral.needs_routing:
        messages.warning(request, f"Referral {pk} still needs routing: "
                                  f"{placement.decision.reason}.")
    else:
        org = placement.referral.organisation
        why = (f"as you chose: {placement.referral.override_reason}"
               if placement.referral.routed_by_override else placement.decision.reason)
        messages.success(request, f"Referral {pk} routed to {org.name} ({why}).")
    return _done(request, back)


@require_acting(*HUB)
def reroute(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    """The coordinator moves an open referral to another network CBO, saying why."""
    referral = Referral.objects.filter(pk=pk, hub=acting.organisation).select_related(
        "member", "organisation").first()
    if referral is None or request.method != "POST":
        raise Http404("Not found")
    form = RerouteForm(request.POST,
                       cbos=list(network_cbos(acting.organisation).order_by("name")))
    if not form.is_valid():
        return form_errors(request, "Not moved: please correct the fields below.", form)
    target = form.cbos[form.cleaned_data["organisation"]]
    try:
        services.reroute(referral, form.cleaned_data["version"], target, acting=acting,
                         reason=form.cleaned_data["reason"])
    except services.ReferralError as exc:
        if request.htmx:  # type: ignore[attr-defined]
            return form_errors(request, str(exc), form,
                               status=409 if isinstance(exc, services.ConflictError) else 400)
        messages.error(request, str(exc))
        return _done(request, reverse("referrals:coordinator"))
    messages.success(request, f"Referral {pk} moved to {target.name}.")
    return _done(request, reverse("referrals:coordinator"))
