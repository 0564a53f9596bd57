"""The scorecard's reads below the cards: milestone records from the referral loop's
tables (what the facts are refreshed from), and the precomputed facts and monthly cells
read back as weighted records for `core.scorecard.card.compute`.

A grouped read returns one row per distinct combination of what the measures read (the
milestones, initiation days, the flags for a timing, services, late recording, needs)
per bucket of days and per group; `weighted` turns each into a `ReferralRecord` standing
for its count, so a card is computed from tens of rows by the same definitions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    Min,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth, TruncQuarter, TruncYear
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.contracts.models import Contract
from carehub.core.referral_states import State
from carehub.core.scorecard.card import DIMENSIONS, ReferralRecord, age_band
from carehub.referrals.models import (
    Need,
    OutreachAttempt,
    Referral,
    ReferralEvent,
    Screening,
    ServiceDelivery,
)
from carehub.reporting.models import ReferralFact, ScorecardMonth
from carehub.tenancy.models import Organisation

# How far along the referral loop each state is; declined comes after contact.
_RANK = {State.ASSIGNED: 0, State.OUTREACH: 1, State.CONTACTED: 2, State.DECLINED: 2,
         State.SCREENED: 3, State.ACCEPTED: 4, State.ENROLLED: 5, State.IN_SERVICE: 6,
         State.COMPLETED: 7}
CONTACTED_RANK, ACCEPTED_RANK, COMPLETED_RANK = 2, 4, 7
NOT_RECORDED = "Not recorded"




def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _rank(state: str) -> int:
    try:
        return _RANK.get(State(state), 0)
    except ValueError:
        return 0


def referrals_made(contract: Contract, start: date, end: date,
                   cbo: Organisation | None = None) -> QuerySet[Referral]:
    """The contract's referrals made from `start` to `end` (site days)."""
    with scopes_disabled():
        qs = Referral.objects.filter(contract=contract, created_at__gte=_day_start(start),
                                     created_at__lt=_day_start(end + timedelta(days=1)))
    return qs.filter(organisation=cbo) if cbo is not None else qs


def source_records(qs: QuerySet[Referral]) -> list[ReferralRecord]:
    """One milestone record per referral of `qs`, read from the referral loop's own
    tables (events, outreach attempts, services, screenings, needs): what the facts are
    refreshed from."""
    with scopes_disabled():
        rows = list(qs.values(
            "id", "member_id", "organisation_id", "created_at", "state", "anchor_date",
            "enrolled_on", "completed_on", "service__timing_hours", "service__timing_anchor",
            "member__race", "member__ethnicity", "member__language", "member__county",
            "member__birth_date", "member__product"))
        rank: dict[int, int] = defaultdict(int)
        for rid, from_state, to_state in (ReferralEvent.objects
                                          .filter(referral__in=qs, kind="transition")
                                          .values_list("referral_id", "from_state", "to_state")):
            rank[rid] = max(rank[rid], _rank(from_state), _rank(to_state))
        attempted = set(OutreachAttempt.objects.filter(referral__in=qs)
                        .values_list("referral_id", flat=True).distinct())
        first_service = dict(ServiceDelivery.objects.filter(referral__in=qs)
                             .values("referral_id").annotate(first=Min("date"))
                             .values_list("referral_id", "first"))
        lags: dict[int, list[int]] = defaultdict(list)
        for rid, day, at in (ServiceDelivery.objects.filter(referral__in=qs)
                             .values_list("referral_id", "date", "at")):
            lags[rid].append((timezone.localtime(at).date() - day).days)
        screened = set(Screening.objects.filter(referral__in=qs, complete=True)
                       .values_list("referral_id", flat=True).distinct())
        needs: dict[int, list[str]] = defaultdict(list)
        for rid, status in (Need.objects.filter(screening__referral__in=qs)
                            .values_list("screening__referral_id", "status")):
            needs[rid].append(status)
    return [_source_record(r, rank[r["id"]], r["id"] in attempted, first_service.get(r["id"]),
                           lags[r["id"]], r["id"] in screened, needs[r["id"]]) for r in rows]


def _source_record(r: Mapping[str, Any], event_rank: int, attempted: bool,
                   first_service: date | None, lags: list[int], screened: bool,
                   needs: list[str]) -> ReferralRecord:
    assigned_on = timezone.localtime(r["created_at"]).date()
    reached = max(event_rank, _rank(r["state"]))
    if r["enrolled_on"]:
        reached = max(reached, _RANK[State.ENROLLED])
    if r["completed_on"]:
        reached = COMPLETED_RANK
    anchor = r["service__timing_anchor"]
    timing_start: date | None = assigned_on
    if anchor == "discharge" and r["anchor_date"]:
        timing_start = r["anchor_date"]
    elif anchor == "enrolment":
        timing_start = r["enrolled_on"]
    return ReferralRecord(
        referral_id=r["id"], member_id=r["member_id"], cbo_id=r["organisation_id"],
        assigned_on=assigned_on,
        outreached=attempted or reached >= 1,
        contacted=reached >= CONTACTED_RANK,
        accepted=reached >= ACCEPTED_RANK,
        completed=reached >= COMPLETED_RANK,
        timing_start=timing_start, timing_hours=r["service__timing_hours"],
        first_service_on=first_service,
        screening_complete=screened,
        services_recorded=len(lags),
        max_recording_lag_days=max(lags) if lags else None,
        needs=len(needs), needs_met=sum(1 for s in needs if s == "met"),
        dims={"race": r["member__race"] or NOT_RECORDED,
              "ethnicity": r["member__ethnicity"] or NOT_RECORDED,
              "language": r["member__language"] or NOT_RECORDED,
              "county": r["member__county"] or NOT_RECORDED,
              "age_band": age_band(r["member__birth_date"], assigned_on),
              "product": r["member__product"] or NOT_RECORDED})


# --- reading the facts -------------------------------------------------------------

_FLAGS = ("outreached", "contacted", "accepted", "completed", "within_timing",
          "initiation_days", "screening_complete")


def _facts(contract: Contract, start: date, end: date,
           cbo: Organisation | None) -> QuerySet[ReferralFact]:
    with scopes_disabled():
        qs = ReferralFact.objects.filter(contract=contract, assigned_on__gte=start,
                                         assigned_on__lte=end)
        return qs.filter(cbo=cbo) if cbo is not None else qs


def records(contract: Contract, start: date, end: date, *,
            cbo: Organisation | None = None) -> list[ReferralRecord]:
    """One record per referral made from `start` to `end`, from the facts (for the
    members behind a figure)."""
    with scopes_disabled():
        rows = list(_facts(contract, start, end, cbo).values(
            "referral_id", "cbo_id", "assigned_on", *_FLAGS, "timing_start", "timing_hours",
            "first_service_on", "services_recorded", "max_recording_lag_days", "needs",
            "needs_met", *DIMENSIONS))
    return [ReferralRecord(
        referral_id=r["referral_id"], member_id=0, cbo_id=r["cbo_id"],
        assigned_on=r["assigned_on"], outreached=r["outreached"], contacted=r["contacted"],
        accepted=r["accepted"], completed=r["completed"], timing_start=r["timing_start"],
        timing_hours=r["timing_hours"], first_service_on=r["first_service_on"],
        screening_complete=r["screening_complete"], services_recorded=r["services_recorded"],
        max_recording_lag_days=r["max_recording_lag_days"], needs=r["needs"],
        needs_met=r["needs_met"], dims={d: r[d] for d in DIMENSIONS},
        within=r["within_timing"]) for r in rows]


_BUCKETS = {"month": TruncMonth, "quarter": TruncQuarter, "year": TruncYear}
_ORIGIN = date(2000, 1, 1)


COMBINATION = ["outreached", "contacted", "accepted", "completed", "within_timing",
                "initiation_days", "screening_complete", "has_timing", "has_services", "late",
                "has_needs", "has_need_met"]


def _flag(**condition: Any) -> Case:
    return Case(When(**condition, then=Value(True)), default=Value(False),
                output_field=BooleanField())


def fact_rows(contract: Contract, start: date, end: date, *, cbo: Organisation | None = None,
              bucket: str = "day", by: str | None = None,
              submission_days: int = 5) -> list[dict[str, Any]]:
    """The facts counted per combination, per bucket of days (day, month, quarter, year)
    and per value of `by` (cbo or a member dimension): dicts with the keys of
    `COMBINATION`, "bucket", "group" (with `by`) and "n"."""
    day = _BUCKETS[bucket]("assigned_on") if bucket in _BUCKETS else F("assigned_on")
    annotations: dict[str, Any] = {
        "bucket": day, "late": _flag(max_recording_lag_days__gt=submission_days),
        "has_timing": _flag(timing_hours__isnull=False),
        "has_services": _flag(services_recorded__gt=0), "has_needs": _flag(needs__gt=0),
        "has_need_met": _flag(needs_met__gt=0)}
    if by:
        annotations["group"] = F("cbo_id") if by == "cbo" else F(by)
    keys = ["bucket", *COMBINATION, *(["group"] if by else [])]
    with scopes_disabled():
        return list(_facts(contract, start, end, cbo).annotate(**annotations)
                    .values(*keys).annotate(n=Count("pk")).order_by())


def month_rows(contract: Contract, start: date, end: date, *,
               cbo: Organisation | None = None, bucket: str = "month",
               by_cbo: bool = False) -> list[dict[str, Any]]:
    """The same counts from the monthly cells (whole months only), summed per bucket of
    months (month, quarter, year; contract years ask for months)."""
    with scopes_disabled():
        qs = ScorecardMonth.objects.filter(contract=contract, month__gte=start,
                                           month__lte=end)
        if cbo is not None:
            qs = qs.filter(cbo=cbo)
    day = _BUCKETS[bucket]("month") if bucket in ("quarter", "year") else F("month")
    keys = ["bucket", *COMBINATION, *(["group"] if by_cbo else [])]
    annotations: dict[str, Any] = {"bucket": day}
    if by_cbo:
        annotations["group"] = F("cbo_id")
    with scopes_disabled():
        return list(qs.annotate(**annotations).values(*keys)
                    .annotate(n=Sum("referrals")).order_by())


def weighted(rows: list[dict[str, Any]], submission_days: int) -> list[tuple[str, ReferralRecord]]:
    """Each counted combination as a record standing for its count (see the module's
    docstring), with its group."""
    out = []
    for r in rows:
        when = r["bucket"]
        when = when.date() if isinstance(when, datetime) else when
        days = r["initiation_days"]
        out.append((str(r.get("group", "")), ReferralRecord(
            referral_id=0, member_id=0, cbo_id=0, assigned_on=when,
            outreached=r["outreached"], contacted=r["contacted"], accepted=r["accepted"],
            completed=r["completed"],
            timing_start=_ORIGIN if days is not None else None,
            timing_hours=0 if r["has_timing"] else None,
            first_service_on=_ORIGIN + timedelta(days=days) if days is not None else None,
            screening_complete=r["screening_complete"],
            services_recorded=1 if r["has_services"] else 0,
            max_recording_lag_days=(submission_days + 1 if r["late"] else 0)
            if r["has_services"] else None,
            needs=1 if r["has_needs"] else 0, needs_met=1 if r["has_need_met"] else 0,
            weight=int(r["n"]), within=r["within_timing"])))
    return out


def whole_months(start: date, end: date) -> bool:
    """True when the span is whole calendar months: the monthly cells can answer it."""
    return start.day == 1 and (end + timedelta(days=1)).day == 1
