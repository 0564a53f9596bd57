"""JSON API for referrals: list, detail with the member's timeline (consent-gated), FHIR
Task status of each referral, and making a referral (through `services.create_referral`,
so the contract's rules are checked as for every other entry point)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django_scopes import scopes_disabled
from ninja import Path, Query, Router

from carehub.contracts.models import Contract
from carehub.core.referral_states import FHIR_TASK, State
from carehub.members.models import Member
from carehub.referrals import selectors, services
from carehub.referrals.rules import Problem
from carehub.referrals.schemas import ReferralDetailOut, ReferralIn, ReferralOut, RefusedOut
from carehub.tenancy.access import network_cbos
from carehub.tenancy.models import OrganisationKind, Role
from carehub.tenancy.roles import HUB, STAFF

router = Router(tags=["referrals"])
MAX_LIMIT = 500
MAX_PK = 2**63 - 1  # ids are 64-bit; a larger number is a bad request, not a database error
READ_ROLES = STAFF


def _acting(request: HttpRequest) -> Any:
    acting = request.auth  # type: ignore[attr-defined]
    if acting is None or not acting.has_role(*READ_ROLES):
        raise Http404("Not found")
    return acting


def _summary(r: Any) -> dict[str, Any]:
    task = FHIR_TASK[State(r.state)]
    return {"id": r.pk, "member": r.member.member_id, "organisation": r.organisation.name,
            "service": r.service_code, "contract": r.contract_code, "state": r.state,
            "close_reason": r.close_reason, "due_at": r.due_at, "version": r.version,
            "fhir_task": {"status": task.status, "businessStatus": task.business_status}}


@router.get("/referrals", response=list[ReferralOut])
def list_referrals(
    request: HttpRequest,
    limit: int = Query(100, ge=1, le=MAX_LIMIT, description=f"1 to {MAX_LIMIT} referrals"),
) -> list[dict[str, Any]]:
    acting = _acting(request)
    rows = list(selectors.referrals_for(acting.organisation)
                .select_related("member", "organisation").order_by("pk")[:limit])
    from carehub.audit import services as audit

    audit.record("view", request=request, object_type="referral_list", object_id="api",
                 detail={"member_ids": [r.member_id for r in rows]})
    return [_summary(r) for r in rows]


@router.get("/referrals/{pk}", response=ReferralDetailOut)
def referral_detail(request: HttpRequest,
                    pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:
    acting = _acting(request)
    referral = selectors.get_referral(request, acting, pk)
    timeline, shared = selectors.member_timeline(request, acting, referral.member)
    return {**_summary(referral), "shared": shared,
            "timeline": [{"at": i.at, "kind": i.kind, "title": i.title, "body": i.body,
                          "organisation": i.organisation} for i in timeline]}


REFERRERS = (*HUB, Role.PAYER_MANAGER)


def _refused(problems: list[Problem], message: str) -> dict[str, Any]:
    return {"message": message,
            "problems": [{"rule": p.rule, "message": p.message} for p in problems]}


@router.post("/referrals", response={200: ReferralOut, 409: RefusedOut, 422: RefusedOut})
def make_referral(request: HttpRequest, body: ReferralIn) -> Any:
    """Refer a member under a contract: a hub for a plan paying it, a plan to the hub it
    pays. 422 names every rule refused; 409 when another organisation owns outreach."""
    acting = request.auth  # type: ignore[attr-defined]
    if acting is None or not acting.has_role(*REFERRERS):
        raise Http404("Not found")
    org = acting.organisation
    with scopes_disabled():
        mine = (Contract.objects.filter(provider=org) if org.kind == OrganisationKind.HUB
                else Contract.objects.filter(payer=org))
        contract = mine.select_related("provider").filter(code=body.contract.strip()).first()
    if contract is None:
        problem = Problem("contract", f"There is no contract {body.contract.strip()} for "
                                      f"{org.name}.")
        return 422, _refused([problem], problem.message)
    hub = contract.provider
    member = Member.objects.filter(plan_id=contract.payer_id, member_id=body.member.strip(),
                                   access__organisation=org).first()
    if member is None:
        raise Http404("Not found")
    target = None
    if body.organisation is not None:
        target = network_cbos(hub).filter(pk=body.organisation).first()
        if target is None:
            problem = Problem("organisation", f"Organisation {body.organisation} is not a CBO "
                                              f"of {hub.name}'s network.")
            return 422, _refused([problem], problem.message)
    service_code = body.service.strip()
    if not service_code:
        with scopes_disabled():
            codes = list(contract.service_definitions.values_list("code", flat=True)[:2])
        if len(codes) != 1:
            problem = Problem("service", f"{contract.code} has {len(codes) or 'no'} services: "
                                         f"name the service.")
            return 422, _refused([problem], problem.message)
        service_code = codes[0]
    try:
        placement = services.place_referral(
            member=member, hub=hub, contract=contract, service_code=service_code,
            organisation=target, override_reason=body.routing_reason,
            rules_override_reason=body.override_reason, anchor_date=body.anchor_date,
            source="api", acting=acting)
        referral = placement.referral
    except services.AlreadyOwned as exc:
        return 409, _refused([], str(exc))
    except services.RuleRefused as exc:
        return 422, _refused(exc.problems, str(exc))
    except services.ReferralError as exc:
        return 422, _refused([], str(exc))
    referral = selectors.referrals_for(org).select_related("member", "organisation").get(
        pk=referral.pk)
    return 200, _summary(referral)
