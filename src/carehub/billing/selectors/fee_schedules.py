"""Reads of fee schedules: the shipped ones (no owner) for everyone with billing pages, a
hub's own for the hub, and a plan those chosen on its contracts."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django_scopes import scopes_disabled

from carehub.billing.models import ContractBilling, FeeSchedule
from carehub.tenancy.access import Acting


def schedules_for(acting: Acting) -> QuerySet[FeeSchedule]:
    org = acting.organisation
    with scopes_disabled():
        chosen = ContractBilling.objects.filter(
            Q(contract__payer=org) | Q(contract__provider=org)).values("fee_schedule_id")
        return (FeeSchedule.objects.filter(Q(owner__isnull=True) | Q(owner=org)
                                           | Q(pk__in=chosen))
                .order_by("owner_id", "name"))


def get_schedule(acting: Acting, pk: int) -> FeeSchedule:
    with scopes_disabled():
        found = schedules_for(acting).filter(pk=pk).first()
    if found is None:
        raise Http404("Not found")
    return found


def verification_badge(text: str) -> tuple[str, str]:
    """(css class, label) of a row's verification status."""
    lowered = text.lower()
    if lowered.startswith("verified"):
        return "good", "verified"
    if lowered.startswith("secondary"):
        return "warn", "secondary — verify"
    return "bad", text[:40] or "unverified"
