"""Demo referrals: thirteen months of the DEMO-MEALS program (home-delivered meals after
discharge), so `carehub activity --contract DEMO-MEALS --period YYYY-MM` has real work
for every recent month, plus an inbox for the demo worker with overdue and due-soon items.

Every referral obeys the contract it is made under (`placements`): DEMO-MEALS is in
implementation with its BAA signed; only members of its products (Medicare Advantage,
D-SNP), of its ages, not in hospice and enrolled on the discharge date are referred, each
to the delivering CBO whose directory entry offers meals in the member's county or zip
(Westside in Erie and Niagara, Salt City in Onondaga, Brooklyn Bridges in Kings; members
of Monroe and the Bronx, where no meals partner works, are not referred). Each receiving
CBO's own worker holds its referrals. DEMO-CM, still in scoping, gets none. Open
escalations sit at the level the contract's pathway gives for their age.

Works for any member count: the live inbox takes up to four eligible members of the
first CBO (at most half of them); the history cycles through the rest, skipping a member whose
earlier referral is still open, since a member has one open referral per service. With
very few members some history months are therefore thinner.

Idempotent: when DEMO-MEALS referrals exist the seed does nothing. Rows are written in
bulk with their historical timestamps; the seed is synthetic data, so it records one
audit event for the whole seed rather than one per row.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

import yaml
from django.utils import timezone

from carehub.audit import services as audit
from carehub.contracts.models import Contract, ServiceDefinition, Stage
from carehub.core.eligibility import parse_criteria
from carehub.members.models import EnrolmentSpan, Member, MemberAccess
from carehub.network.models import Service
from carehub.referrals import contract_terms, due
from carehub.referrals.models import (
    OPEN_STATES,
    Consent,
    Escalation,
    OutreachAttempt,
    Referral,
    ReferralEvent,
    ServiceDelivery,
)
from carehub.tenancy.models import Membership

CONTRACT = "DEMO-MEALS"
SERVICE = "HDM"
MONTHS = 13
PER_MONTH = 12
HAPPY = ["outreach", "contacted", "screened", "accepted", "enrolled", "in_service"]
LIVE_DUE_HOURS = (-5, 6, 30, None)  # overdue, due within the day, due tomorrow, unassigned


class MemberPool:
    """Hands out members in turn, round and round, never one whose referral is open."""

    def __init__(self, members: list[Member]) -> None:
        self.members = members
        self.position = 0
        self.open: set[int] = set()

    def next_free(self, fits: Callable[[Member], bool] = lambda m: True) -> Member | None:
        for _ in range(len(self.members)):
            member = self.members[self.position % len(self.members)]
            self.position += 1
            if member.pk not in self.open and fits(member):
                return member
        return None


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass
class Placements:
    """Who may be referred under the contract, and to which CBO."""

    contract: Contract
    service: ServiceDefinition
    cbo_of: dict[int, Any]  # member pk -> the delivering CBO covering the member
    spans: dict[int, list[tuple[date, date | None]]]

    def enrolled(self, member: Member, day: date) -> bool:
        return any(start <= day and (end is None or day <= end)
                   for start, end in self.spans.get(member.pk, []))


def placements(ctx: Any, earliest: date) -> Placements | None:
    """The contract's eligible members (products, ages from `earliest` on, hospice), each
    with the delivering CBO whose directory entry offers the service where they live."""
    contract = Contract.objects.filter(code=CONTRACT).first()
    if contract is None or contract.stage != Stage.IMPLEMENTATION or (
            contract.baa_required and contract.baa_signed_on is None):
        return None
    service = ServiceDefinition.objects.filter(contract=contract, code=SERVICE).first()
    if service is None:
        return None
    criteria = parse_criteria(yaml.safe_load(contract.criteria))
    require, exclude = criteria.require, criteria.exclude
    offers = list(Service.objects.filter(
        organisation__in=contract.delivering_cbos.all(), service_type=service.service_type,
        status="active").select_related("organisation").order_by("organisation__name"))
    cbo_of: dict[int, Any] = {}
    for member in ctx.members:
        if require.product is not None and member.product not in require.product:
            continue
        if require.age is not None and not (require.age.holds(age_on(member.birth_date, earliest))
                                            and require.age.holds(age_on(member.birth_date,
                                                                         ctx.today))):
            continue
        if exclude.hospice and member.hospice:
            continue
        for offer in offers:
            if member.county in offer.coverage_counties or member.zip in offer.coverage_zips:
                cbo_of[member.pk] = offer.organisation
                break
    spans: dict[int, list[tuple[date, date | None]]] = {}
    for member_id, start, end in EnrolmentSpan.objects.filter(member_id__in=cbo_of).values_list(
            "member_id", "start", "end"):
        spans.setdefault(member_id, []).append((start, end))
    return Placements(contract, service, cbo_of, spans)


def _enrolled_on(placed: Placements, day: date, member: Member) -> bool:
    return placed.enrolled(member, day)


def level_for_age(levels: tuple[tuple[int, str, int], ...],
                  hours_open: float) -> tuple[int, str, int]:
    """(level, role, hours from raising to its due time) where an escalation raised
    `hours_open` ago and never answered sits: each level's hours run after the last."""
    elapsed = 0
    for level, role, hours in levels:
        elapsed += hours
        if hours_open < elapsed:
            return level, role, elapsed
    level, role, _ = levels[-1]
    return level, role, elapsed


def _workers(cbos: set[Any]) -> dict[int, Any]:
    """Each CBO's demo worker (the first active one by username)."""
    found: dict[int, Any] = {}
    for membership in (Membership.objects.filter(organisation__in=cbos, role="cbo_worker",
                                                 is_active=True)
                       .select_related("user").order_by("user__username")):
        found.setdefault(membership.organisation_id, membership.user)
    return found


def seed(ctx: Any) -> None:
    if Referral.objects.filter(contract_code=CONTRACT).exists():
        ctx.log("referrals: DEMO-MEALS already seeded")
        return
    first = (ctx.today.replace(day=1) - timedelta(days=31 * (MONTHS - 1))).replace(day=1)
    placed = placements(ctx, first)
    if placed is None:
        ctx.log(f"referrals: {CONTRACT} is not in implementation with its BAA signed; "
                "nothing to refer")
        return
    # The rows point at the contract and its service by key, as every referral does.
    contract = Contract.objects.get(code=CONTRACT)
    service = ServiceDefinition.objects.get(contract=contract, code=SERVICE)
    rng = random.Random(2026)  # nosec B311 # reproducible demo data, not a secret
    coordinator = ctx.users["coordinator"]
    cbo_of = placed.cbo_of
    workers = _workers(set(cbo_of.values()))
    members = [m for m in ctx.members if m.pk in cbo_of and cbo_of[m.pk].pk in workers]
    if not members:
        ctx.log(f"referrals: no member fits {CONTRACT}, nothing to refer")
        return
    rng.shuffle(members)
    # The demo worker's live inbox is at the first CBO; at most half the members go to
    # it, so small demos keep some history.
    # Live referrals are made today: only members enrolled today may have one.
    today_ok = [m for m in members if placed.enrolled(m, ctx.today)] or members
    home = [m for m in today_ok if cbo_of[m.pk] == ctx.cbos[0]] or today_ok
    live_members = home[: min(len(LIVE_DUE_HOURS), max(1, len(members) // 2))]
    rest = [m for m in members if m not in live_members]
    pool = MemberPool(rest or members)
    # Live referrals stay open, so their members cannot take a history referral.
    pool.open.update(m.pk for m in live_members)
    created = 0
    events: list[ReferralEvent] = []
    attempts: list[OutreachAttempt] = []
    deliveries: list[ServiceDelivery] = []
    consents: list[Consent] = []
    grants: set[tuple[int, int]] = set()
    open_history: list[Referral] = []
    timing = due.service_timing(contract, SERVICE)
    for month in range(MONTHS):
        start = (first + timedelta(days=32 * month)).replace(day=1)
        for _ in range(PER_MONTH):
            discharge = start + timedelta(days=rng.randrange(0, 27))
            if discharge >= ctx.today:
                discharge = ctx.today - timedelta(days=1)
            member = pool.next_free(partial(_enrolled_on, placed, discharge))
            if member is None:
                continue
            cbo = cbo_of[member.pk]
            worker = workers[cbo.pk]
            referral = Referral.objects.create(
                member=member, plan=ctx.payer, hub=ctx.hub, organisation=cbo,
                contract=contract, service=service, contract_code=CONTRACT,
                service_code=SERVICE, service_type="nutrition",
                anchor_date=discharge, assignee=worker, created_by=coordinator,
                updated_by=worker, due_at=_at(discharge) + timedelta(hours=24))
            Referral.objects.filter(pk=referral.pk).update(created_at=_at(discharge, 9))
            grants.add((member.pk, cbo.pk))
            events.append(ReferralEvent(referral=referral, member=member, organisation=cbo,
                                        kind="assigned", to_state="assigned",
                                        note=f"referred to {cbo.name}", actor=coordinator,
                                        at=_at(discharge, 9)))
            outcome = rng.random()
            day = discharge
            previous = "assigned"
            path = HAPPY if outcome < 0.7 else HAPPY[:2]
            entered = _at(discharge, 9)
            for step, state in enumerate(path):
                day = min(discharge + timedelta(days=step // 2), ctx.today)
                if state == "outreach":
                    attempts.append(OutreachAttempt(referral=referral, member=member,
                                                    organisation=cbo, at=_at(day, 11),
                                                    channel="phone", outcome="reached",
                                                    actor=worker))
                events.append(ReferralEvent(referral=referral, member=member, organisation=cbo,
                                            kind="transition", from_state=previous,
                                            to_state=state, actor=worker, at=_at(day, 12 + step)))
                previous = state
                entered = _at(day, 12 + step)
            changes: dict[str, Any] = {"state": previous, "attempts": 1, "due_at": None}
            if outcome < 0.7:
                enrolled = discharge + timedelta(days=2)
                enrolled = min(enrolled, ctx.today)
                length = rng.randrange(14, 43)  # days of meals
                last = min(enrolled + timedelta(days=length), ctx.today)
                for n in range((last - enrolled).days + 1):
                    deliveries.append(ServiceDelivery(
                        referral=referral, member=member, organisation=cbo,
                        contract=contract, service=service, contract_code=CONTRACT,
                        service_code=SERVICE, date=enrolled + timedelta(days=n), units=2, setting="home",
                        staff=worker, at=_at(enrolled + timedelta(days=n), 17)))
                changes["enrolled_on"] = enrolled
                if last < ctx.today:
                    changes.update(state="completed", completed_on=last)
                    events.append(ReferralEvent(referral=referral, member=member,
                                                organisation=cbo, kind="transition",
                                                from_state="in_service", to_state="completed",
                                                actor=worker, at=_at(last, 18)))
                consents.append(Consent(member=member, organisation=cbo, kind="data_sharing",
                                        scope="plan and hub: needs, services, outcomes",
                                        given_on=discharge, recorded_by=worker))
            elif outcome < 0.85:
                changes.update(state="closed", close_reason="declined",
                               decline_reason="has family support")
                events.append(ReferralEvent(referral=referral, member=member, organisation=cbo,
                                            kind="transition", from_state=previous,
                                            to_state="closed", note="declined", actor=worker,
                                            at=_at(day, 16)))
            # Open referrals are due like any other: those left in contacted show overdue.
            changes["due_at"] = due.due_for(
                changes["state"], entered=entered, created=_at(discharge, 9), timing=timing,
                anchor_date=discharge, enrolled_on=changes.get("enrolled_on"))
            Referral.objects.filter(pk=referral.pk).update(**changes)
            created += 1
            if changes["state"] in OPEN_STATES:
                pool.open.add(member.pk)
                open_history.append(referral)
    # A live inbox: a few new referrals, one overdue, one due within the day.
    now = timezone.now()
    levels = contract_terms.rules_for(contract).escalation
    escalations: list[tuple[Referral, Any, float, str, str]] = []
    for hours, member in zip(LIVE_DUE_HOURS, live_members, strict=False):
        cbo = cbo_of[member.pk]
        worker = workers[cbo.pk]
        referral = Referral.objects.create(
            member=member, plan=ctx.payer, hub=ctx.hub, organisation=cbo,
            contract=contract, service=service, contract_code=CONTRACT,
            service_code=SERVICE, service_type="nutrition",
            anchor_date=ctx.today, assignee=worker if hours is not None else None,
            created_by=coordinator, updated_by=coordinator,
            due_at=now + timedelta(hours=hours) if hours is not None else due.due_for(
                "assigned", entered=now, created=now, timing=timing, anchor_date=ctx.today))
        grants.add((member.pk, cbo.pk))
        created += 1
        # The overdue one was made a day before its first contact fell due.
        made = now - timedelta(hours=24 - hours) if hours is not None and hours < 0 else now
        if made != now:
            Referral.objects.filter(pk=referral.pk).update(created_at=made)
        events.append(ReferralEvent(referral=referral, member=member, organisation=cbo,
                                    kind="assigned", to_state="assigned",
                                    note=f"referred to {cbo.name}", actor=coordinator, at=made))
        if hours == -5:
            escalations.append((referral, worker, 2, "transportation",
                                "No way to get the member to the pantry pick-up"))
    # An older one, unanswered past the first level's time, has moved up to the second.
    at_home = [r for r in open_history if r.organisation_id == ctx.cbos[0].pk] or open_history
    if at_home:
        referral = at_home[-1]
        escalations.append((referral, workers[referral.organisation_id], 30, "other",
                            "The member's building has no safe place to leave meals"))
    for referral, worker, hours_open, barrier, description in escalations:
        level, role, due_after = level_for_age(levels, hours_open)
        raised = now - timedelta(hours=hours_open)
        Escalation.objects.create(
            referral=referral, member=referral.member, organisation=referral.organisation,
            contract=contract, contract_code=CONTRACT, level=level, role=role, barrier=barrier,
            description=description, raised_by=worker, raised_at=raised,
            due_at=raised + timedelta(hours=due_after))
    ReferralEvent.objects.bulk_create(events, batch_size=2000)
    OutreachAttempt.objects.bulk_create(attempts, batch_size=2000)
    ServiceDelivery.objects.bulk_create(deliveries, batch_size=2000)
    Consent.objects.bulk_create(consents, batch_size=2000)
    have = set(MemberAccess.objects.filter(member_id__in={m for m, _ in grants})
               .values_list("member_id", "organisation_id"))
    MemberAccess.objects.bulk_create(
        [MemberAccess(member_id=m, organisation_id=o, reason="referral")
         for m, o in sorted(grants - have)])
    audit.record("create", object_type="demo_seed", object_id="referrals",
                 organisation=ctx.hub,
                 detail={"referrals": created, "services": len(deliveries)})
    ctx.log(f"referrals: {created} referrals, {len(deliveries)} service days under {CONTRACT}")
