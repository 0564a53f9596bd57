"""JSON API for referrals: list, detail with the member's timeline (consent-gated), FHIR
Task status of each referral."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Path, Query, Router

from carehub.core.referral_states import FHIR_TASK, State
from carehub.referrals import selectors
from carehub.referrals.schemas import ReferralDetailOut, ReferralOut
from carehub.tenancy.roles import STAFF

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
