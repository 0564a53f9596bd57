"""Reads of payouts to CBOs: the hub sees all it issued, a CBO its own; the hub's margin."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet, Sum
from django.http import Http404

from carehub.billing.models import CboPayout
from carehub.core.money import CENT, ZERO
from carehub.tenancy.access import Acting
from carehub.tenancy.models import OrganisationKind


def visible_payouts(acting: Acting) -> QuerySet[CboPayout]:
    """The hub's payouts to its CBOs, or a CBO's own."""
    org = acting.organisation
    if org.kind == OrganisationKind.HUB:
        qs = CboPayout.objects.filter(hub=org)
    elif org.kind == OrganisationKind.CBO:
        qs = CboPayout.objects.filter(cbo=org)
    else:
        qs = CboPayout.objects.none()
    return qs.select_related("cbo", "hub", "contract").order_by("-period", "cbo__name",
                                                                "sequence")


def margin_report(acting: Acting) -> list[dict[str, Any]]:
    """The hub's fees by contract, month and CBO."""
    rows = list(CboPayout.objects.filter(hub=acting.organisation).order_by()
                .values("contract__code", "period", "cbo__name")
                .annotate(gross=Sum("gross"), fee=Sum("fee"), net=Sum("net"))
                .order_by("contract__code", "-period", "cbo__name"))
    # SQLite sums decimals without their scale: back to cents.
    for row in rows:
        for key in ("gross", "fee", "net"):
            row[key] = (row[key] or ZERO).quantize(CENT)
    return rows


def visible_payout(acting: Acting, pk: int) -> CboPayout:
    found = visible_payouts(acting).filter(pk=pk).first()
    if found is None:
        raise Http404("Not found")
    return found
