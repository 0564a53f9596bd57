"""Member-level exports for other organisations, honouring data-sharing consent."""

from __future__ import annotations

from django.db.models import Sum

from carehub.contracts.models import Contract
from carehub.referrals.models import Need, ServiceDelivery
from carehub.referrals.selectors import Sharing, referrals_for, sharing
from carehub.tenancy.models import Organisation


def progress_rows(viewer: Organisation, *,
                  contract: Contract | None = None) -> list[dict[str, str]]:
    """One row per referral the viewer is party to (under `contract`, by key, when given).
    Needs and units delivered follow the sharing rule: the viewer's own records always,
    other organisations' only while the member's data-sharing consent is active. No free
    text is exported."""
    out: list[dict[str, str]] = []
    qs = referrals_for(viewer).select_related("member", "organisation", "contract").order_by(
        "pk")
    if contract is not None:
        qs = qs.filter(contract=contract)
    rules: dict[int, Sharing] = {}
    for r in qs:
        if r.member_id not in rules:
            rules[r.member_id] = sharing(r.member_id, viewer)
        rule = rules[r.member_id]
        own = r.organisation_id == viewer.pk
        needs_qs = Need.objects.filter(member_id=r.member_id)
        units_qs = ServiceDelivery.objects.filter(referral=r)
        if not rule.shared:
            needs_qs = needs_qs.filter(organisation=viewer)
            units_qs = units_qs.filter(organisation=viewer)
        needs = units = ""
        if rule.shared or own:
            needs = ";".join(sorted(needs_qs.values_list("icd10", flat=True).distinct()))
            units = str(units_qs.aggregate(u=Sum("units"))["u"] or 0)
        out.append({
            "member_id": r.member.member_id, "referral": str(r.pk),
            "organisation": r.organisation.name,
            "contract": r.contract.code if r.contract is not None else "",
            "service": r.service_code, "state": r.state,
            "close_reason": r.close_reason, "needs": needs, "units_delivered": units,
            "shared": "yes" if rule.shared or own
            else "no (no active data-sharing consent)",
        })
    return out
