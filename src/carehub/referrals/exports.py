"""Member-level exports for other organisations, honouring data-sharing consent."""

from __future__ import annotations

from django.db.models import Sum

from carehub.referrals.models import Need, ServiceDelivery
from carehub.referrals.selectors import referrals_for, shared_with
from carehub.tenancy.models import Organisation


def progress_rows(viewer: Organisation) -> list[dict[str, str]]:
    """One row per referral the viewer is party to. Needs and units delivered, recorded by
    other organisations, are filled only while the member's data-sharing consent is active."""
    out: list[dict[str, str]] = []
    qs = referrals_for(viewer).select_related("member", "organisation").order_by("pk")
    consent_cache: dict[int, bool] = {}
    for r in qs:
        own = r.organisation_id == viewer.pk
        if r.member_id not in consent_cache:
            consent_cache[r.member_id] = shared_with(r.member_id, viewer)
        shared = own or consent_cache[r.member_id]
        needs = units = ""
        if shared:
            needs = ";".join(sorted(Need.objects.filter(member_id=r.member_id)
                                    .values_list("icd10", flat=True).distinct()))
            total = ServiceDelivery.objects.filter(referral=r).aggregate(u=Sum("units"))["u"]
            units = str(total or 0)
        out.append({
            "member_id": r.member.member_id, "referral": str(r.pk),
            "organisation": r.organisation.name, "service": r.service_code, "state": r.state,
            "close_reason": r.close_reason, "needs": needs, "units_delivered": units,
            "shared": "yes" if shared else "no (no active data-sharing consent)",
        })
    return out
