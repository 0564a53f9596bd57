"""The scorecard read from the database: per-referral milestone records for a contract
and a span of days, turned into cards by `carehub.core.scorecard`.

Who may read a contract's scorecard: its parties (the payer, the provider hub, the
delivering CBOs and those leaving); anyone else gets 404. A CBO reads the contract total
and its own split, never another CBO's. The members behind a figure are a read of member
data: only hub, plan and CBO roles, audited, and only members the viewer may see.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Case, Count, F, Min, Q, QuerySet, Value, When
from django.db.models.functions import TruncMonth, TruncQuarter
from django.http import Http404
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.contracts.models import Contract, ContractParty
from carehub.core.referral_states import STATE_LABELS, State
from carehub.core.scorecard.card import (
    DIMENSIONS,
    Card,
    Goals,
    ReferralRecord,
    age_band,
    behind,
    compute,
)
from carehub.core.scorecard.measures import measure
from carehub.core.scorecard.periods import Period
from carehub.referrals.models import (
    Consent,
    ConsentKind,
    Need,
    OutreachAttempt,
    Referral,
    ReferralEvent,
    Screening,
    ServiceDelivery,
)
from carehub.referrals.selectors import referrals_for
from carehub.reporting.models import ReferralFact, ScorecardRefresh
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation, OrganisationKind, Role
from carehub.tenancy.rls import as_owner

SPLITS = ("cbo", *DIMENSIONS)
SPLIT_LABELS = {"cbo": "CBO", "race": "Race", "ethnicity": "Ethnicity",
                "language": "Language", "county": "County", "age_band": "Age band",
                "product": "Product"}
MEMBER_ROLES = frozenset({Role.HUB_ADMIN, Role.HUB_COORDINATOR, Role.PAYER_MANAGER,
                          Role.PAYER_ANALYST, Role.CBO_SUPERVISOR, Role.CBO_WORKER})

# How far along the referral loop each state is; declined comes after contact.
_RANK = {State.ASSIGNED: 0, State.OUTREACH: 1, State.CONTACTED: 2, State.DECLINED: 2,
         State.SCREENED: 3, State.ACCEPTED: 4, State.ENROLLED: 5, State.IN_SERVICE: 6,
         State.COMPLETED: 7}
CONTACTED_RANK, ACCEPTED_RANK, COMPLETED_RANK = 2, 4, 7
NOT_RECORDED = "Not recorded"


def goals_of(contract: Contract) -> Goals:
    return Goals(
        outreach_goal=contract.outreach_goal, contact_goal=contract.contact_goal,
        support_goal=contract.support_goal, initiation_goal=contract.initiation_goal,
        documentation_goal=contract.documentation_goal,
        data_on_time_goal=contract.data_on_time_goal,
        completion_goal=contract.completion_goal,
        margin_points=contract.goal_margin_points,
        data_submission_days=contract.data_submission_days,
        min_volume=contract.min_volume, max_volume=contract.max_volume,
        volume_period=contract.volume_period)


def is_party(organisation: Organisation, contract: Contract) -> bool:
    if organisation.pk in (contract.payer_id, contract.provider_id):
        return True
    with scopes_disabled():
        return ContractParty.objects.filter(contract=contract,
                                            organisation=organisation).exists()


def check_party(acting: Acting, contract: Contract) -> None:
    """404 for anyone not party to the contract (its existence is not confirmed)."""
    if acting.organisation is None or not is_party(acting.organisation, contract):
        raise Http404("Not found")


def _is_cbo(acting: Acting) -> bool:
    return acting.organisation.kind == OrganisationKind.CBO


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


def _source_record(r: dict[str, Any], event_rank: int, attempted: bool,
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


_BUCKETS = {"month": TruncMonth, "quarter": TruncQuarter}
_ORIGIN = date(2000, 1, 1)


def grouped(contract: Contract, start: date, end: date, *, cbo: Organisation | None = None,
            bucket: str = "day", by: str | None = None,
            submission_days: int = 5) -> list[tuple[str, ReferralRecord]]:
    """The facts as one weighted record per distinct combination of what the measures
    read, per bucket of days (day, month, quarter) and per value of `by` (cbo or a
    member dimension): a card is then computed from tens of rows, not thousands, by
    the same definitions (`core.scorecard.card`)."""
    day = _BUCKETS[bucket]("assigned_on") if bucket in _BUCKETS else F("assigned_on")
    late = Case(When(max_recording_lag_days__gt=submission_days, then=Value(True)),
                default=Value(False), output_field=BooleanField())
    keys = ["bucket", *_FLAGS, "has_timing", "has_services", "late", "has_needs",
            "has_need_met", *(["group"] if by else [])]
    annotations: dict[str, Any] = {
        "bucket": day, "late": late,
        "has_timing": Case(When(timing_hours__isnull=False, then=Value(True)),
                           default=Value(False), output_field=BooleanField()),
        "has_services": Case(When(services_recorded__gt=0, then=Value(True)),
                             default=Value(False), output_field=BooleanField()),
        "has_needs": Case(When(needs__gt=0, then=Value(True)), default=Value(False),
                          output_field=BooleanField()),
        "has_need_met": Case(When(needs_met__gt=0, then=Value(True)), default=Value(False),
                             output_field=BooleanField())}
    if by:
        annotations["group"] = F("cbo_id") if by == "cbo" else F(by)
    with scopes_disabled():
        rows = list(_facts(contract, start, end, cbo).annotate(**annotations)
                    .values(*keys).annotate(n=Count("pk")).order_by())
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
            weight=r["n"], within=r["within_timing"])))
    return out


def as_of(contract: Contract) -> datetime | None:
    """When the contract's facts were last brought up to date (None: never)."""
    with scopes_disabled():
        return (ScorecardRefresh.objects.filter(contract=contract)
                .values_list("refreshed_at", flat=True).first())


def _scope_cbo(acting: Acting, cbo: Organisation | None) -> Organisation | None:
    """A CBO reads its own figures only (or the contract total, with cbo=None)."""
    if cbo is not None and _is_cbo(acting) and cbo.pk != acting.organisation.pk:
        raise Http404("Not found")
    return cbo


def _bucket(period: Period) -> str:
    return period.kind if period.kind in _BUCKETS else "day"


def _read(acting: Acting, contract: Contract, start: date, end: date, *,
          cbo: Organisation | None, bucket: str,
          by: str | None = None) -> list[tuple[str, ReferralRecord]]:
    """Grouped facts. A CBO may read the contract's total: its row policy shows it its own
    facts only, so the total (counts, never rows) is read as the owner, after
    `check_party` has said the CBO is party to the contract."""
    def read() -> list[tuple[str, ReferralRecord]]:
        return grouped(contract, start, end, cbo=cbo, bucket=bucket, by=by,
                       submission_days=contract.data_submission_days)
    if _is_cbo(acting) and cbo is None:
        with as_owner():
            return read()
    return read()


def _stamp(contract: Contract) -> datetime | date:
    return as_of(contract) or timezone.now()


def card(acting: Acting, contract: Contract, period: Period, *,
         cbo: Organisation | None = None, shared: bool = False) -> Card:
    """The contract's card for the period (or one CBO's part of it)."""
    check_party(acting, contract)
    cbo = _scope_cbo(acting, cbo)
    rows = _read(acting, contract, period.start, period.end, cbo=cbo, bucket=_bucket(period))
    return compute([r for _, r in rows], period, goals_of(contract),
                   contract_code=contract.code, as_of=_stamp(contract), shared=shared,
                   label=cbo.name if cbo else "")


def trend(acting: Acting, contract: Contract, period: Period, n: int = 12, *,
          cbo: Organisation | None = None, shared: bool = False) -> list[Card]:
    """Cards of the `n` periods ending with `period`, oldest first (one read)."""
    check_party(acting, contract)
    cbo = _scope_cbo(acting, cbo)
    periods = period.previous(n)
    rows = [r for _, r in _read(acting, contract, periods[0].start, periods[-1].end, cbo=cbo,
                                bucket=_bucket(period))]
    goals, stamp = goals_of(contract), _stamp(contract)
    return [compute(rows, p, goals, contract_code=contract.code, as_of=stamp, shared=shared,
                    label=cbo.name if cbo else "") for p in periods]


def split(acting: Acting, contract: Contract, period: Period, by: str, *,
          shared: bool = False) -> list[tuple[str, Card]]:
    """One card per CBO or per value of a member dimension, largest cohort first. A CBO
    splits its own referrals only. Shared splits have their small cells suppressed."""
    if by not in SPLITS:
        raise ValueError(f"split {by!r} is not one of {', '.join(SPLITS)}")
    check_party(acting, contract)
    own = acting.organisation if _is_cbo(acting) else None
    rows = _read(acting, contract, period.start, period.end, cbo=own,
                 bucket=_bucket(period), by=by)
    groups: dict[str, list[ReferralRecord]] = defaultdict(list)
    for key, r in rows:
        groups[key].append(r)
    names: dict[str, str] = {}
    if by == "cbo":
        with scopes_disabled():
            names = {str(pk): name for pk, name in Organisation.objects
                     .filter(pk__in=[int(k) for k in groups]).values_list("pk", "name")}
    goals, stamp = goals_of(contract), _stamp(contract)
    cards = [(names.get(key, key), compute(group, period, goals, contract_code=contract.code,
                                           as_of=stamp, shared=shared,
                                           label=names.get(key, key)))
             for key, group in groups.items()]
    cards.sort(key=lambda item: (-(item[1].figure("assigned").numerator or 0), item[0]))
    return cards


@dataclass(frozen=True)
class MemberRow:
    member_pk: int
    member_id: str  # the plan's member id
    name: str
    referral_id: int
    organisation: str
    state: str
    assigned_on: date


@dataclass(frozen=True)
class MembersBehind:
    rows: list[MemberRow]  # at most `limit`, by name
    total: int  # the figure's count
    withheld: int  # members behind it the viewer may not see (no consent or not theirs)
    shown_of: int  # how many the viewer may see (more than len(rows) when cut at the limit)


def _consenting(member_ids: set[int], on: date) -> set[int]:
    found: set[int] = set()
    ids = sorted(member_ids)
    with scopes_disabled():
        for i in range(0, len(ids), CHUNK):
            found.update(Consent.objects.filter(
                member_id__in=ids[i:i + CHUNK], kind=ConsentKind.DATA_SHARING,
                revoked_at__isnull=True, given_on__lte=on)
                .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=on))
                .values_list("member_id", flat=True))
    return found


CHUNK = 2000


def members_behind(acting: Acting, contract: Contract, period: Period, measure_key: str,
                   stage: str, *, request: Any = None, limit: int = 500) -> MembersBehind:
    """The members behind a figure (its numerator, denominator or the gap between),
    audited as a read of member data. Listed only: referrals the viewer's organisation
    is party to (a CBO: its own), and for referrals another organisation works, members
    with an active data-sharing consent; the rest are counted as withheld."""
    check_party(acting, contract)
    if acting.role not in MEMBER_ROLES:
        raise PermissionDenied("your role does not see members")
    m = measure(measure_key)
    org = acting.organisation
    own = org if _is_cbo(acting) else None
    found = behind(records(contract, period.start, period.end, cbo=own), m.key, stage,
                   goals_of(contract))
    ids = sorted(r.referral_id for r in found)
    seen: list[tuple[int, int, int]] = []  # referral, member, owning organisation
    with scopes_disabled():
        for i in range(0, len(ids), CHUNK):
            seen += referrals_for(org).filter(pk__in=ids[i:i + CHUNK]).values_list(
                "pk", "member_id", "organisation_id")
    consenting = _consenting({member for _, member, owner in seen if owner != org.pk},
                             timezone.localdate())
    allowed = [pk for pk, member, owner in seen if owner == org.pk or member in consenting]
    with scopes_disabled():
        referrals = list(Referral.objects.filter(pk__in=allowed[:limit])
                         .select_related("member", "organisation"))
    assigned = {r.referral_id: r.assigned_on for r in found}
    rows = sorted((MemberRow(
        member_pk=r.member_id, member_id=r.member.member_id,
        name=f"{r.member.first_name} {r.member.last_name}", referral_id=r.pk,
        organisation=r.organisation.name,
        state=STATE_LABELS.get(State(r.state), r.state),
        assigned_on=assigned[r.pk]) for r in referrals),
        key=lambda row: (row.name, row.referral_id))
    audit.record("view", request=request, acting=acting, object_type="scorecard_members",
                 object_id=f"{contract.code}:{period.code}:{m.key}:{stage}",
                 detail={"member_ids": [row.member_pk for row in rows]})
    return MembersBehind(rows=rows, total=len(found), withheld=len(found) - len(allowed),
                         shown_of=len(allowed))
