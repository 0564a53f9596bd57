"""Demo referrals: thirteen months of the DEMO-MEALS program (home-delivered meals after
discharge), so `carehub activity --contract DEMO-MEALS --period YYYY-MM` has real work
for every recent month, plus an inbox for the demo worker with overdue and due-soon items.

Works for any member count: the live inbox takes up to four members (at most half of
them); the history cycles through the rest, skipping a member whose
earlier referral is still open, since a member has one open referral per service. With
very few members some history months are therefore thinner.

Idempotent: when DEMO-MEALS referrals exist the seed does nothing. Rows are written in
bulk with their historical timestamps; the seed is synthetic data, so it records one
audit event for the whole seed rather than one per row.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from carehub.audit import services as audit
from carehub.contracts.models import Contract, ServiceDefinition
from carehub.members.models import Member, MemberAccess
from carehub.referrals.models import (
    OPEN_STATES,
    Consent,
    Escalation,
    OutreachAttempt,
    Referral,
    ReferralEvent,
    ServiceDelivery,
)

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

    def next_free(self) -> Member | None:
        for _ in range(len(self.members)):
            member = self.members[self.position % len(self.members)]
            self.position += 1
            if member.pk not in self.open:
                return member
        return None


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def seed(ctx: Any) -> None:
    if Referral.objects.filter(contract_code=CONTRACT).exists():
        ctx.log("referrals: DEMO-MEALS already seeded")
        return
    if not ctx.members:
        ctx.log("referrals: no members, nothing to refer")
        return
    # The rows point at the contract and its service by key, as every referral does.
    contract = Contract.objects.get(code=CONTRACT)
    service = ServiceDefinition.objects.get(contract=contract, code=SERVICE)
    rng = random.Random(2026)  # nosec B311 # reproducible demo data, not a secret
    cbo = ctx.cbos[0]
    worker = ctx.users["worker"]
    coordinator = ctx.users["coordinator"]
    members = list(ctx.members)
    rng.shuffle(members)
    # At most half the members go to the live inbox, so small demos keep some history.
    live_members = members[: min(len(LIVE_DUE_HOURS), max(1, len(members) // 2))]
    pool = MemberPool(members[len(live_members):] or members)
    # Live referrals stay open, so their members cannot take a history referral.
    pool.open.update(m.pk for m in live_members)
    created = 0
    events: list[ReferralEvent] = []
    attempts: list[OutreachAttempt] = []
    deliveries: list[ServiceDelivery] = []
    consents: list[Consent] = []
    grants: set[int] = set()
    first = (ctx.today.replace(day=1) - timedelta(days=31 * (MONTHS - 1))).replace(day=1)
    for month in range(MONTHS):
        start = (first + timedelta(days=32 * month)).replace(day=1)
        for _ in range(PER_MONTH):
            member = pool.next_free()
            if member is None:
                break
            discharge = start + timedelta(days=rng.randrange(0, 27))
            if discharge >= ctx.today:
                discharge = ctx.today - timedelta(days=1)
            referral = Referral.objects.create(
                member=member, plan=ctx.payer, hub=ctx.hub, organisation=cbo,
                contract=contract, service=service, contract_code=CONTRACT,
                service_code=SERVICE, service_type="nutrition",
                anchor_date=discharge, assignee=worker, created_by=coordinator,
                updated_by=worker, due_at=_at(discharge) + timedelta(hours=24))
            Referral.objects.filter(pk=referral.pk).update(created_at=_at(discharge, 9))
            grants.add(member.pk)
            events.append(ReferralEvent(referral=referral, member=member, organisation=cbo,
                                        kind="assigned", to_state="assigned",
                                        note=f"referred to {cbo.name}", actor=coordinator,
                                        at=_at(discharge, 9)))
            outcome = rng.random()
            day = discharge
            previous = "assigned"
            path = HAPPY if outcome < 0.7 else HAPPY[:2]
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
            Referral.objects.filter(pk=referral.pk).update(**changes)
            created += 1
            if changes["state"] in OPEN_STATES:
                pool.open.add(member.pk)
    # A live inbox: a few new referrals, one overdue, one due within the day.
    now = timezone.now()
    for hours, member in zip(LIVE_DUE_HOURS, live_members, strict=False):
        referral = Referral.objects.create(
            member=member, plan=ctx.payer, hub=ctx.hub, organisation=cbo,
            contract=contract, service=service, contract_code=CONTRACT,
            service_code=SERVICE, service_type="nutrition",
            anchor_date=ctx.today, assignee=worker if hours is not None else None,
            created_by=coordinator, updated_by=coordinator,
            due_at=now + timedelta(hours=hours) if hours is not None else None)
        grants.add(member.pk)
        created += 1
        events.append(ReferralEvent(referral=referral, member=member, organisation=cbo,
                                    kind="assigned", to_state="assigned",
                                    note=f"referred to {cbo.name}", actor=coordinator, at=now))
        if hours == -5:
            Escalation.objects.create(
                referral=referral, member=member, organisation=cbo, contract=contract,
                contract_code=CONTRACT,
                level=1, role="cbo_supervisor", barrier="transportation",
                description="No way to get the member to the pantry pick-up",
                raised_by=worker, raised_at=now - timedelta(hours=2),
                due_at=now + timedelta(hours=22))
    ReferralEvent.objects.bulk_create(events, batch_size=2000)
    OutreachAttempt.objects.bulk_create(attempts, batch_size=2000)
    ServiceDelivery.objects.bulk_create(deliveries, batch_size=2000)
    Consent.objects.bulk_create(consents, batch_size=2000)
    have = set(MemberAccess.objects.filter(member_id__in=grants, organisation=cbo)
               .values_list("member_id", flat=True))
    MemberAccess.objects.bulk_create(
        [MemberAccess(member_id=m, organisation=cbo, reason="referral") for m in grants - have])
    audit.record("create", object_type="demo_seed", object_id="referrals",
                 organisation=ctx.hub,
                 detail={"referrals": created, "services": len(deliveries)})
    ctx.log(f"referrals: {created} referrals, {len(deliveries)} service days under {CONTRACT}")
