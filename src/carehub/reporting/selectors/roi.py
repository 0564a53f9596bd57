"""Reads of the ROI area, always given the acting organisation: a contract's ROI, social
measures and renewal review belong to its payer (the plan) and its provider (the hub);
anyone else gets 404."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

from django.db.models import Min, Q, QuerySet, Sum
from django.http import Http404
from django_scopes import scopes_disabled

from carehub.billing.models import Statement
from carehub.contracts.models import Contract
from carehub.contracts.selectors import terms_version_in_force
from carehub.core import settlement
from carehub.core.activity import load_activity
from carehub.core.periods import add_months
from carehub.core.scorecard.measures import MEASURES
from carehub.core.scorecard.periods import month_period
from carehub.core.terms import load_terms
from carehub.core.validation import InputError
from carehub.population.models import Dataset
from carehub.referrals.activity import PeriodError, build_activity
from carehub.referrals.models import (
    OPEN_STATES,
    Barrier,
    Escalation,
    Need,
    Pathway,
    Referral,
    ServiceDelivery,
)
from carehub.reporting import charts
from carehub.reporting.models import RenewalDecision, RoiRun, RoiStatus, SocialMeasure
from carehub.reporting.models.joc import ActionItem, ActionStatus
from carehub.reporting.selectors import joc, scorecard
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Role

READERS = (Role.HUB_ADMIN, Role.HUB_COORDINATOR, Role.PAYER_MANAGER, Role.PAYER_ANALYST)
RUNNERS = (Role.PAYER_MANAGER, Role.PAYER_ANALYST)  # the extracts are the plan's
DEFINERS = (Role.HUB_ADMIN, Role.PAYER_MANAGER)  # social measures and renewal decisions
TREND_CHARTS = ("outreach_rate", "contact_rate", "support_rate")


def contracts_for(acting: Acting) -> QuerySet[Contract]:
    """Contracts the organisation pays or provides."""
    org = acting.organisation
    with scopes_disabled():
        return (Contract.objects.filter(Q(payer=org) | Q(provider=org))
                .select_related("payer", "provider").order_by("code"))


def get_contract(acting: Acting, code: str) -> Contract:
    found = contracts_for(acting).filter(code=code).first()
    if found is None:
        raise Http404("Not found")
    return found


def runs_for(acting: Acting, contract: Contract) -> QuerySet[RoiRun]:
    org = acting.organisation
    return (RoiRun.objects.filter(contract=contract).filter(Q(payer=org) | Q(hub=org))
            .select_related("contract", "created_by", "job").order_by("-created_at", "-pk"))


def latest_result(acting: Acting, contract: Contract) -> RoiRun | None:
    return runs_for(acting, contract).filter(status=RoiStatus.DONE).first()


def get_run(acting: Acting, pk: int) -> RoiRun:
    org = acting.organisation
    found = (RoiRun.objects.filter(pk=pk).filter(Q(payer=org) | Q(hub=org))
             .select_related("contract", "created_by", "job", "dataset").first())
    if found is None:
        raise Http404("Not found")
    return found


def datasets_for(acting: Acting) -> QuerySet[Dataset]:
    """The plan's uploaded or delivered extracts (only the plan runs ROI on them)."""
    with scopes_disabled():
        return Dataset.objects.filter(plan=acting.organisation).order_by("-created_at")


def program_members(contract: Contract) -> dict[str, dt.date]:
    """Plan member id -> index date (the first enrolment in the program under this
    contract). The caller audits the read."""
    with scopes_disabled():
        rows = (Referral.objects.filter(contract=contract, enrolled_on__isnull=False,
                                        member__plan=contract.payer)
                .values("member__member_id").annotate(first=Min("enrolled_on")))
        return {row["member__member_id"]: row["first"] for row in rows}


def paid_from_statements(contract: Contract, start: dt.date, end: dt.date) -> Decimal | None:
    """What the plan was billed for the contract's months in [start, end]: every issued
    statement and adjustment of those months (None when none were issued)."""
    with scopes_disabled():
        found = (Statement.objects.filter(contract=contract, period_start__gte=start,
                                          period_end__lte=end).aggregate(total=Sum("total")))
    return found["total"]


def paid_from_terms(contract: Contract, start: dt.date, end: dt.date) -> Decimal | None:
    """What the contract's terms would pay for the months in [start, end], settled month
    by month by the settlement engine from the referrals' activity (nothing is issued).
    None when a month cannot be settled (no terms in force, bad activity)."""
    total = Decimal(0)
    month = start.replace(day=1)
    while month <= end:
        with scopes_disabled():
            version = terms_version_in_force(contract, month)
        if version is None:
            return None
        try:
            activity = load_activity(build_activity(contract.code, month.strftime("%Y-%m"),
                                                    plan=contract.payer))
            total += settlement.settle(load_terms(version.document), activity).total
        except (InputError, PeriodError):
            return None
        month = add_months(month, 1)
    return total


def social_measures(contract: Contract) -> QuerySet[SocialMeasure]:
    return SocialMeasure.objects.filter(contract=contract).order_by("name")


def social_count(measure: SocialMeasure, start: dt.date, end: dt.date) -> int:
    """The measure counted over [start, end] (inclusive days)."""
    contract = measure.contract
    with scopes_disabled():
        if measure.counts == SocialMeasure.Counts.SERVICE_UNITS:
            total = (ServiceDelivery.objects.filter(contract=contract, service_code=measure.code,
                                                    date__range=(start, end))
                     .aggregate(units=Sum("units"))["units"])
            return int(total or 0)
        if measure.counts == SocialMeasure.Counts.PATHWAYS_COMPLETED:
            return (Pathway.objects.filter(referral__contract=contract, pathway=measure.code,
                                           completed_on__range=(start, end),
                                           finished_incomplete=False).count())
        member_ids = Referral.objects.filter(contract=contract).values("member_id")
        return (Need.objects.filter(member_id__in=member_ids, domain=measure.code, status="met",
                                    at__date__range=(start, end)).count())


def social_table(contract: Contract, months: int, today: dt.date) -> tuple[list[str], list[Any]]:
    """Each measure counted over the last `months` whole months and the contract so far."""
    this_month = today.replace(day=1)
    starts = [add_months(this_month, -i) for i in range(months, 0, -1)]
    header = [s.strftime("%Y-%m") for s in starts]
    rows = []
    begin = contract.starts or dt.date(2000, 1, 1)
    for measure in social_measures(contract):
        counts = [social_count(measure, s, add_months(s, 1) - dt.timedelta(days=1)) for s in starts]
        rows.append((measure, counts, social_count(measure, begin, today)))
    return header, rows


# --- renewal review ---------------------------------------------------------------


def renewal_window_opens(contract: Contract) -> dt.date | None:
    if contract.ends is None:
        return None
    return add_months(contract.ends, -int(contract.renewal_notice_months or 0))


def nearing_end(contract: Contract, today: dt.date) -> bool:
    opens = renewal_window_opens(contract)
    return opens is not None and opens <= today


def contracts_nearing_end(acting: Acting, today: dt.date) -> list[Contract]:
    return [c for c in contracts_for(acting).filter(ends__isnull=False).order_by("ends", "code")
            if nearing_end(c, today)]


def active_members(contract: Contract) -> int:
    """Members with an open referral under the contract: the ones a wind-down hands on."""
    with scopes_disabled():
        return (Referral.objects.filter(contract=contract, state__in=OPEN_STATES)
                .values("member_id").distinct().count())


def barrier_tally(contract: Contract) -> list[dict[str, Any]]:
    """Escalations under the contract by barrier: raised, still open."""
    names = dict(Barrier.choices)
    with scopes_disabled():
        rows = list(Escalation.objects.filter(contract=contract)
                    .values_list("barrier", "resolved_at"))
    raised = Counter(b for b, _ in rows)
    still_open = Counter(b for b, resolved in rows if resolved is None)
    return [{"barrier": names.get(b, b), "raised": n, "open": still_open.get(b, 0)}
            for b, n in raised.most_common()]


def decisions(acting: Acting, contract: Contract) -> QuerySet[RenewalDecision]:
    org = acting.organisation
    return (RenewalDecision.objects.filter(contract=contract).filter(Q(payer=org) | Q(hub=org))
            .select_related("decided_by", "decided_organisation", "roi_run"))


def scorecard_history(acting: Acting, contract: Contract, today: dt.date) -> dict[str, Any]:
    """The scorecard's last 12 months (the scorecard area's `trend`): each measure's rate
    (or value) per month, and the funnel's trend charts (SVG strings)."""
    cards = scorecard.trend(acting, contract, month_period(today), n=12)
    rows = []
    for m in MEASURES:
        cells = []
        for card in cards:
            f = card.figure(m.key)
            cells.append({"text": f.rate_text or f.value_text or f.numerator_text or "–",
                          "status": f.status_word})
        rows.append({"name": m.name, "goal": cards[-1].figure(m.key).goal_text if cards else "",
                     "cells": cells})
    return {"periods": [c.period.code for c in cards], "rows": rows,
            "charts": [charts.trend_chart(cards, key) for key in TREND_CHARTS]}


def action_items(acting: Acting, contract: Contract) -> list[ActionItem]:
    """Open action items of the contract's joint operating committees, soonest due first."""
    with scopes_disabled():
        committees = joc.committees_for(acting).filter(contract=contract)
        return list(ActionItem.objects.filter(committee__in=committees, status=ActionStatus.OPEN)
                    .select_related("owner").order_by("due_on", "pk"))
