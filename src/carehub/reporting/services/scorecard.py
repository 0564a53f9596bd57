"""The scorecard's only writer: brings the precomputed facts up to date from the referral
loop's tables, a contract at a time, in batches (one transaction each), audited.

Incremental runs (every ten minutes, and `carehub scorecard --refresh`) look for
referrals touched since the contract's last refresh (the referral row, or any of its
events, outreach attempts, services, screenings or needs recorded since) with a few
minutes' overlap; the nightly full run rereads every referral, catching changes no
timestamp shows (a need marked met, a contract's timing or submission days changed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.contracts.models import Contract
from carehub.core.periods import add_months
from carehub.core.scorecard.card import ReferralRecord, within_timing
from carehub.referrals.models import (
    Need,
    OutreachAttempt,
    Referral,
    ReferralEvent,
    Screening,
    ServiceDelivery,
)
from carehub.reporting.models import DeliveryFact, ReferralFact, ScorecardMonth, ScorecardRefresh
from carehub.reporting.selectors.scorecard_facts import COMBINATION, fact_rows, source_records
from carehub.tenancy.access import Acting

BATCH = 2000
OVERLAP = timedelta(minutes=5)
_UPDATED = [f.name for f in ReferralFact._meta.concrete_fields
            if f.name not in ("referral",)]


@dataclass(frozen=True)
class Refreshed:
    contracts: int
    referrals: int


def _fact(record: ReferralRecord, contract: Contract, payer_id: int, hub_id: int | None,
          now: datetime) -> ReferralFact:
    days = None
    if record.first_service_on is not None and record.timing_start is not None:
        days = (record.first_service_on - record.timing_start).days
    return ReferralFact(
        referral_id=record.referral_id, contract=contract, cbo_id=record.cbo_id,
        payer_id=payer_id, hub_id=hub_id, assigned_on=record.assigned_on,
        outreached=record.outreached, contacted=record.contacted, accepted=record.accepted,
        completed=record.completed, timing_start=record.timing_start,
        timing_hours=record.timing_hours, first_service_on=record.first_service_on,
        initiation_days=days,
        within_timing=record.timing_hours is not None and within_timing(record),
        screening_complete=record.screening_complete,
        services_recorded=record.services_recorded,
        max_recording_lag_days=record.max_recording_lag_days, needs=record.needs,
        needs_met=record.needs_met, race=record.dims["race"][:80],
        ethnicity=record.dims["ethnicity"][:80], language=record.dims["language"][:40],
        county=record.dims["county"][:100], age_band=record.dims["age_band"],
        product=record.dims["product"][:24], refreshed_at=now)


def _touched(contract: Contract, since: datetime) -> list[int]:
    ours = Referral.objects.filter(contract=contract)
    ids = set(ours.filter(Q(updated_at__gte=since) | Q(created_at__gte=since))
              .values_list("pk", flat=True))
    for model, column in ((ReferralEvent, "at"), (OutreachAttempt, "at"),
                          (ServiceDelivery, "at"), (Screening, "at")):
        ids.update(model.objects.filter(referral__contract=contract, **{f"{column}__gte": since})
                   .values_list("referral_id", flat=True))
    ids.update(Need.objects.filter(screening__referral__contract=contract, at__gte=since)
               .values_list("screening__referral_id", flat=True))
    ids.discard(None)  # type: ignore[arg-type]
    return sorted(ids)


def _months_of(contract: Contract, ids: list[int], *, everything: bool) -> list[date]:
    """First days of the months whose cells the refreshed referrals touch (all of the
    contract's months for a full refresh)."""
    with scopes_disabled():
        facts = ReferralFact.objects.filter(contract=contract)
    days: set[date] = set()
    if everything:
        days.update(facts.values_list("assigned_on", flat=True).distinct())
    else:
        for i in range(0, len(ids), BATCH):
            days.update(facts.filter(referral_id__in=ids[i:i + BATCH])
                        .values_list("assigned_on", flat=True).distinct())
    return sorted({d.replace(day=1) for d in days})


def rebuild_months(contract: Contract, months: list[date], *, everything: bool = False) -> None:
    """Count the facts of the given months again into the monthly cells (in the caller's
    transaction; a full refresh first drops every cell of the contract)."""
    with scopes_disabled():
        cells_of = ScorecardMonth.objects.filter(contract=contract)
    (cells_of if everything else cells_of.filter(month__in=months)).delete()
    cells = []
    for month in months:
        end = add_months(month, 1) - timedelta(days=1)
        for row in fact_rows(contract, month, end, bucket="month", by="cbo",
                             submission_days=contract.data_submission_days):
            cells.append(ScorecardMonth(
                contract=contract, cbo_id=int(row["group"]), payer_id=contract.payer_id,
                hub_id=contract.provider_id, month=month, referrals=row["n"],
                **{k: row[k] for k in COMBINATION}))
    ScorecardMonth.objects.bulk_create(cells, batch_size=BATCH)


def refresh_contract(contract: Contract, *, acting: Acting, full: bool = False) -> int:
    """Bring one contract's facts up to date; returns how many referrals were reread."""
    started = timezone.now()
    with scopes_disabled():
        last = (ScorecardRefresh.objects.filter(contract=contract)
                .values_list("refreshed_at", flat=True).first())
        if full or last is None:
            ids = sorted(Referral.objects.filter(contract=contract).values_list("pk", flat=True))
        else:
            ids = _touched(contract, last - OVERLAP)
        for i in range(0, len(ids), BATCH):
            batch = ids[i:i + BATCH]
            qs = Referral.objects.filter(pk__in=batch)
            parties = dict(qs.values_list("pk", "plan_id"))
            hubs = dict(qs.values_list("pk", "hub_id"))
            facts = [_fact(r, contract, parties[r.referral_id], hubs[r.referral_id], started)
                     for r in source_records(qs)]
            with transaction.atomic():
                ReferralFact.objects.bulk_create(
                    facts, update_conflicts=True, unique_fields=["referral"],
                    update_fields=_UPDATED)
        months = _months_of(contract, ids, everything=full or last is None)
        with transaction.atomic():
            rebuild_months(contract, months, everything=full or last is None)
            ScorecardRefresh.objects.update_or_create(contract=contract,
                                                      defaults={"refreshed_at": started})
            audit.record("refresh", acting=acting, object_type="scorecard_facts",
                         object_id=contract.code,
                         detail={"referrals": len(ids), "full": full or last is None})
    return len(ids)


def refresh_facts(*, acting: Acting, contract: Contract | None = None,
                  full: bool = False) -> Refreshed:
    """Refresh one contract's facts, or every contract's that has referrals."""
    with scopes_disabled():
        if contract is not None:
            contracts = [contract]
        else:
            ids = Referral.objects.filter(contract__isnull=False).values("contract_id")
            contracts = list(Contract.objects.filter(pk__in=ids).order_by("pk"))
    total = sum(refresh_contract(c, acting=acting, full=full) for c in contracts)
    return Refreshed(contracts=len(contracts), referrals=total)


def record_delivery_fact(contract: Contract, *, data_set: int, data_set_name: str,
                         period_start: date, period_end: date, due_on: date,
                         delivered_at: datetime | None, acting: Acting) -> DeliveryFact:
    """Write (or bring up to date) the fact of one data set's file for one period: the
    file exchange calls this when a file comes or goes and from its daily due check.
    On time: delivered on or before the due day (site time). Audited when it changes."""
    on_time = (delivered_at is not None
               and timezone.localtime(delivered_at).date() <= due_on)
    now = timezone.now()
    with transaction.atomic(), scopes_disabled():
        fact = (DeliveryFact.objects.select_for_update()
                .filter(data_set=data_set, period_start=period_start).first())
        if fact is None:
            fact = DeliveryFact.objects.create(
                contract=contract, data_set=data_set, data_set_name=data_set_name[:120],
                period_start=period_start, period_end=period_end, due_on=due_on,
                delivered_at=delivered_at, on_time=on_time, refreshed_at=now)
        elif (fact.delivered_at, fact.on_time, fact.due_on) == (delivered_at, on_time, due_on):
            return fact
        else:
            fact.delivered_at, fact.on_time, fact.due_on = delivered_at, on_time, due_on
            fact.data_set_name, fact.refreshed_at = data_set_name[:120], now
            fact.save(update_fields=["delivered_at", "on_time", "due_on", "data_set_name",
                                     "refreshed_at"])
        audit.record("update", object_type="delivery_fact", object_id=str(fact.pk),
                     acting=acting, organisation=acting.organisation,
                     detail={"contract": contract.code, "data_set": data_set,
                             "period_start": period_start.isoformat(), "on_time": on_time})
    return fact
