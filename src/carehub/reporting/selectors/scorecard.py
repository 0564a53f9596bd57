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
from django.db.models import Min, Q
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
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation, OrganisationKind, Role

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


def _referrals(contract: Contract, start: date, end: date, cbo: Organisation | None) -> Any:
    qs = Referral.objects.filter(contract=contract, created_at__gte=_day_start(start),
                                 created_at__lt=_day_start(end + timedelta(days=1)))
    return qs.filter(organisation=cbo) if cbo is not None else qs


def records(contract: Contract, start: date, end: date, *,
            cbo: Organisation | None = None) -> list[ReferralRecord]:
    """One milestone record per referral of the contract made from `start` to `end`."""
    with scopes_disabled():
        qs = _referrals(contract, start, end, cbo)
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
    out = []
    for r in rows:
        rid = r["id"]
        assigned_on = timezone.localtime(r["created_at"]).date()
        reached = max(rank[rid], _rank(r["state"]))
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
        out.append(ReferralRecord(
            referral_id=rid, member_id=r["member_id"], cbo_id=r["organisation_id"],
            assigned_on=assigned_on,
            outreached=rid in attempted or reached >= 1,
            contacted=reached >= CONTACTED_RANK,
            accepted=reached >= ACCEPTED_RANK,
            completed=reached >= COMPLETED_RANK,
            timing_start=timing_start, timing_hours=r["service__timing_hours"],
            first_service_on=first_service.get(rid),
            screening_complete=rid in screened,
            services_recorded=len(lags[rid]),
            max_recording_lag_days=max(lags[rid]) if lags[rid] else None,
            needs=len(needs[rid]), needs_met=sum(1 for s in needs[rid] if s == "met"),
            dims={"race": r["member__race"] or "Not recorded",
                  "ethnicity": r["member__ethnicity"] or "Not recorded",
                  "language": r["member__language"] or "Not recorded",
                  "county": r["member__county"] or "Not recorded",
                  "age_band": age_band(r["member__birth_date"], assigned_on),
                  "product": r["member__product"] or "Not recorded"}))
    return out


def _scope_cbo(acting: Acting, cbo: Organisation | None) -> Organisation | None:
    """A CBO reads its own figures only (or the contract total, with cbo=None)."""
    if cbo is not None and _is_cbo(acting) and cbo.pk != acting.organisation.pk:
        raise Http404("Not found")
    return cbo


def card(acting: Acting, contract: Contract, period: Period, *,
         cbo: Organisation | None = None, shared: bool = False) -> Card:
    """The contract's card for the period (or one CBO's part of it)."""
    check_party(acting, contract)
    cbo = _scope_cbo(acting, cbo)
    rows = records(contract, period.start, period.end, cbo=cbo)
    return compute(rows, period, goals_of(contract), contract_code=contract.code,
                   as_of=timezone.now(), shared=shared, label=cbo.name if cbo else "")


def trend(acting: Acting, contract: Contract, period: Period, n: int = 12, *,
          cbo: Organisation | None = None, shared: bool = False) -> list[Card]:
    """Cards of the `n` periods ending with `period`, oldest first (one read)."""
    check_party(acting, contract)
    cbo = _scope_cbo(acting, cbo)
    periods = period.previous(n)
    rows = records(contract, periods[0].start, periods[-1].end, cbo=cbo)
    goals, now = goals_of(contract), timezone.now()
    return [compute(rows, p, goals, contract_code=contract.code, as_of=now, shared=shared,
                    label=cbo.name if cbo else "") for p in periods]


def split(acting: Acting, contract: Contract, period: Period, by: str, *,
          shared: bool = False) -> list[tuple[str, Card]]:
    """One card per CBO or per value of a member dimension, largest cohort first. A CBO
    splits its own referrals only. Shared splits have their small cells suppressed."""
    if by not in SPLITS:
        raise ValueError(f"split {by!r} is not one of {', '.join(SPLITS)}")
    check_party(acting, contract)
    own = acting.organisation if _is_cbo(acting) else None
    rows = records(contract, period.start, period.end, cbo=own)
    groups: dict[str, list[ReferralRecord]] = defaultdict(list)
    if by == "cbo":
        with scopes_disabled():
            names = dict(Organisation.objects.filter(pk__in={r.cbo_id for r in rows})
                         .values_list("pk", "name"))
        for r in rows:
            groups[names.get(r.cbo_id, "Unknown")].append(r)
    else:
        for r in rows:
            groups[r.dims.get(by, "Not recorded")].append(r)
    goals, now = goals_of(contract), timezone.now()
    cards = [(name, compute(group, period, goals, contract_code=contract.code, as_of=now,
                            shared=shared, label=name))
             for name, group in groups.items()]
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
    rows: list[MemberRow]
    total: int  # the figure's count
    withheld: int  # members behind it the viewer may not see (no consent or not theirs)


def _consenting(member_ids: set[int], on: date) -> set[int]:
    with scopes_disabled():
        return set(Consent.objects.filter(
            member_id__in=member_ids, kind=ConsentKind.DATA_SHARING, revoked_at__isnull=True,
            given_on__lte=on).filter(Q(expires_on__isnull=True) | Q(expires_on__gt=on))
            .values_list("member_id", flat=True))


def members_behind(acting: Acting, contract: Contract, period: Period, measure_key: str,
                   stage: str, *, request: Any = None) -> MembersBehind:
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
    found = [r for r in found if period.contains(r.assigned_on)]
    ids = {r.referral_id for r in found}
    with scopes_disabled():
        visible = {r.pk: r for r in referrals_for(org).filter(pk__in=ids)
                   .select_related("member", "organisation")}
    consenting = _consenting({r.member_id for r in visible.values()}, timezone.localdate())
    rows = []
    for record in found:
        referral = visible.get(record.referral_id)
        if referral is None:
            continue
        if referral.organisation_id != org.pk and referral.member_id not in consenting:
            continue
        rows.append(MemberRow(
            member_pk=referral.member_id, member_id=referral.member.member_id,
            name=f"{referral.member.first_name} {referral.member.last_name}",
            referral_id=referral.pk, organisation=referral.organisation.name,
            state=STATE_LABELS.get(State(referral.state), referral.state),
            assigned_on=record.assigned_on))
    rows.sort(key=lambda row: (row.name, row.referral_id))
    audit.record("view", request=request, acting=acting, object_type="scorecard_members",
                 object_id=f"{contract.code}:{period.code}:{m.key}:{stage}",
                 detail={"member_ids": [row.member_pk for row in rows]})
    return MembersBehind(rows=rows, total=len(found), withheld=len(found) - len(rows))

