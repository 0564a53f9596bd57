"""The scorecard read from the database: per-referral milestone records for a contract
and a span of days, turned into cards by `carehub.core.scorecard`.

Who may read a contract's scorecard: its parties (the payer, the provider hub, the
delivering CBOs and those leaving); anyone else gets 404. A CBO reads the contract total
and its own split, never another CBO's. The members behind a figure are a read of member
data: only hub, plan and CBO roles, audited, and only members the viewer may see.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
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
    behind,
    compute,
)
from carehub.core.scorecard.measures import measure
from carehub.core.scorecard.periods import Period
from carehub.referrals.models import Consent, ConsentKind, Referral
from carehub.referrals.selectors import referrals_for
from carehub.reporting.models import DeliveryFact, ScorecardRefresh
from carehub.reporting.selectors.scorecard_facts import (
    fact_rows,
    month_rows,
    records,
    weighted,
    whole_months,
)
from carehub.reporting.selectors.scorecard_facts import referrals_made as referrals_made
from carehub.reporting.selectors.scorecard_facts import source_records as source_records
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation, OrganisationKind, Role
from carehub.tenancy.rls import as_owner

SPLITS = ("cbo", *DIMENSIONS)
SPLIT_LABELS = {"cbo": "CBO", "race": "Race", "ethnicity": "Ethnicity",
                "language": "Language", "county": "County", "age_band": "Age band",
                "product": "Product"}
MEMBER_ROLES = frozenset({Role.HUB_ADMIN, Role.HUB_COORDINATOR, Role.PAYER_MANAGER,
                          Role.PAYER_ANALYST, Role.CBO_SUPERVISOR, Role.CBO_WORKER})

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
    return period.kind if period.kind in ("month", "quarter", "year") else "day"


def _read(acting: Acting, contract: Contract, start: date, end: date, *,
          cbo: Organisation | None, bucket: str,
          by: str | None = None) -> list[tuple[str, ReferralRecord]]:
    """Weighted records from the monthly cells when the span is whole months and the
    split (if any) is by CBO, else from the facts (from the referral tables themselves
    until the contract's facts are first counted, by the same definitions). A CBO may read the contract's total:
    its row policy shows it its own rows only, so the total (counts, never rows) is read
    as the owner, after `check_party` has said the CBO is party to the contract."""
    days = contract.data_submission_days

    def read() -> list[tuple[str, ReferralRecord]]:
        if as_of(contract) is None:  # never counted yet: straight from the referral tables
            return [(_group_of(r, by), r) for r in source_records(
                referrals_made(contract, start, end, cbo))]
        if whole_months(start, end) and by in (None, "cbo"):
            rows = month_rows(contract, start, end, cbo=cbo,
                              bucket=bucket if bucket != "day" else "month",
                              by_cbo=by == "cbo")
        else:
            rows = fact_rows(contract, start, end, cbo=cbo, bucket=bucket, by=by,
                             submission_days=days)
        return weighted(rows, days)

    if _is_cbo(acting) and cbo is None:
        with as_owner():
            return read()
    return read()


def _group_of(record: ReferralRecord, by: str | None) -> str:
    if by is None:
        return ""
    return str(record.cbo_id) if by == "cbo" else record.dims.get(by, "")


def _records(contract: Contract, period: Period, cbo: Organisation | None) -> list[ReferralRecord]:
    """One record per referral of the period: from the facts, or from the referral tables
    while the contract's facts have never been counted."""
    if as_of(contract) is None:
        return source_records(referrals_made(contract, period.start, period.end, cbo))
    return records(contract, period.start, period.end, cbo=cbo)


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
    # Each record to its period first: every card then reads its own rows only.
    by_period: list[list[ReferralRecord]] = [[] for _ in periods]
    starts = [p.start for p in periods]
    for r in rows:
        i = bisect_right(starts, r.assigned_on) - 1
        if i >= 0 and periods[i].contains(r.assigned_on):
            by_period[i].append(r)
    return [compute(mine, p, goals, contract_code=contract.code, as_of=stamp, shared=shared,
                    label=cbo.name if cbo else "") for p, mine in zip(periods, by_period,
                                                                       strict=True)]


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
    found = behind(_records(contract, period, own), m.key, stage, goals_of(contract))
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


@dataclass(frozen=True)
class FileDeliveries:
    """"File deliveries on time" for a card: n of m files due for the period's data set
    periods (facts written by the file exchange)."""

    on_time: int
    due: int

    @property
    def rate_text(self) -> str:
        return f"{round(100 * self.on_time / self.due)}%" if self.due else ""


def file_deliveries(acting: Acting, contract: Contract, period: Period) -> FileDeliveries | None:
    """The contract's delivery facts for data set periods starting in `period`; None when
    the contract has none (no data sets, or none due yet). The caller checked that the
    acting organisation is a party (`check_party`)."""
    check_party(acting, contract)
    with scopes_disabled():
        facts = DeliveryFact.objects.filter(contract=contract, period_start__gte=period.start,
                                            period_start__lte=period.end)
        due = facts.count()
        if not due:
            return None
        return FileDeliveries(on_time=facts.filter(on_time=True).count(), due=due)
