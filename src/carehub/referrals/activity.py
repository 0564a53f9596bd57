"""Build one period's activity (docs contract-terms.md, "Activity") from the database,
so `carehub settle` pays for real work. Pure reads; the caller writes the file.

What goes in: attribution = members enrolled under the contract (enrolment to completion
or closing); services = units logged in the period, each with its delivery's id (so a
member-level line maps back to it); events = enrolments, engagement visits and completed
pathways up to the period's end (earlier ones are needed for open episodes); spending = flexible-fund spending up to the period's end (for balances).
Member ids are the plan's member ids.

What counts is chosen by key, not by code: referrals whose contract is this contract,
of the contract's payer (the plan), held by its provider or hubbed by it. A referral of
another plan never counts, whatever code it carries.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.db.models import Q
from django_scopes import scopes_disabled

from carehub.contracts import selectors
from carehub.contracts.models import Contract
from carehub.core.periods import parse_month
from carehub.referrals.models import (
    EngagementVisit,
    FundSpend,
    Pathway,
    Referral,
    ReferralEvent,
    ServiceDelivery,
)
from carehub.tenancy.models import Organisation


class PeriodError(ValueError):
    pass


# Events recorded outside the referral loop (e.g. capacity-fund milestones, kept by a
# higher layer that registers here at start-up): each source is called with the contract
# and the period's first and last day and returns activity events up to the period's end.
EventSource = Callable[[Contract, date, date], list[dict[str, Any]]]
EVENT_SOURCES: list[EventSource] = []


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of the month `period` (YYYY-MM); PeriodError otherwise."""
    try:
        month = parse_month(period)
    except ValueError as exc:
        raise PeriodError(str(exc)) from None
    return month.start, month.end


def contract_for_activity(contract_code: str, plan: Organisation | None = None) -> Contract:
    """The contract whose activity is built: it must exist (and be paid by `plan` when
    given; the same answer as a code that names nothing) and be in effect."""
    with scopes_disabled():
        found = Contract.objects.filter(code=contract_code)
        if plan is not None:
            found = found.filter(payer=plan)
        row = found.select_related("payer", "provider").first()
    if row is None:
        raise PeriodError(f"contract {contract_code!r} not found")
    if not selectors.is_in_effect(row):
        raise PeriodError(f"contract {contract_code!r} is not in effect (both parties must accept it)")
    return row


def referrals_counted(contract: Contract) -> Q:
    """Which referrals count for the contract: under it by key, of its payer, held or
    hubbed by its provider."""
    return (Q(contract=contract) & Q(plan_id=contract.payer_id)
            & (Q(hub_id=contract.provider_id) | Q(organisation_id=contract.provider_id)))


def build_activity(contract_code: str, period: str, *,
                   plan: Organisation | None = None) -> dict[str, Any]:
    """The activity of the contract named `contract_code` (paid by `plan` when given)."""
    start, end = period_bounds(period)
    contract = contract_for_activity(contract_code, plan)
    scope = referrals_counted(contract)
    with scopes_disabled():
        referrals = Referral.objects.filter(scope)
        counted = referrals.values("pk")
        ids = {r.pk: r for r in referrals.select_related("member")
               .only("pk", "service_code", "state", "enrolled_on", "completed_on", "updated_at",
                     "member__member_id")}
        closed_on = dict(ReferralEvent.objects.filter(
            referral__in=counted, to_state="closed")
            .values_list("referral_id", "at"))
        attribution = []
        for r in sorted(ids.values(), key=lambda x: (x.member.member_id, x.pk)):
            if r.enrolled_on is None or r.enrolled_on > end:
                continue
            stop = r.completed_on or (closed_on[r.pk].date() if r.pk in closed_on else None)
            if stop is not None and stop < start:
                continue
            attribution.append({"member": r.member.member_id, "start": r.enrolled_on.isoformat(),
                                "end": stop.isoformat() if stop else None})
        services = [
            {"member": m, "service": s, "date": d.isoformat(), "units": u, "id": pk}
            for m, s, d, u, pk in ServiceDelivery.objects.filter(
                contract=contract, referral__in=counted, date__gte=start, date__lte=end)
            .order_by("date", "member__member_id", "pk")
            .values_list("member__member_id", "service_code", "date", "units", "pk")
        ]
        events: list[dict[str, Any]] = []
        for e in (ReferralEvent.objects.filter(referral__in=counted, to_state="enrolled")
                  .select_related("referral__member").order_by("at", "pk")):
            enrolled: date = e.referral.enrolled_on or e.at.date()
            if enrolled <= end:
                events.append({"member": e.referral.member.member_id, "type": "enrolled",
                               "service": e.referral.service_code,
                               "date": enrolled.isoformat()})
        for member_id, day in (EngagementVisit.objects.filter(
                referral__in=counted, date__lte=end)
                .order_by("date", "pk").values_list("member__member_id", "date")):
            events.append({"member": member_id, "type": "engaged", "date": day.isoformat()})
        for member_id, name, done in (Pathway.objects.filter(
                referral__in=counted, completed_on__isnull=False,
                completed_on__lte=end).order_by("completed_on", "pk")
                .values_list("member__member_id", "pathway", "completed_on")):
            events.append({"member": member_id, "type": "pathway_completed", "pathway": name,
                           "date": done.isoformat() if done else ""})
        for source in EVENT_SOURCES:
            events.extend(source(contract, start, end))
        events.sort(key=lambda ev: ev["date"])
        spending = [
            {"member": m, "category": c, "amount": f"{a:.2f}", "date": d.isoformat()}
            for m, c, a, d in FundSpend.objects.filter(contract=contract,
                                                       referral__in=counted, date__lte=end)
            .order_by("date", "pk").values_list("member__member_id", "category", "amount", "date")
        ]
    return {"period": {"start": start.isoformat(), "end": end.isoformat()},
            "attribution": attribution, "services": services, "events": events,
            "spending": spending}
