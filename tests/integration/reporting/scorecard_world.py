"""Referral records for scorecard tests, written in bulk: the seeds' sample month and
small cohorts with chosen milestones."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.members.models import Member, MemberAccess
from carehub.referrals.models import OutreachAttempt, Referral, ReferralEvent
from carehub.tenancy.models import Organisation

SAMPLE_DAY = date(2026, 3, 10)


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def make_members(plan: Organisation, n: int, prefix: str, *, hub: Organisation | None = None,
                 **fields: Any) -> list[Member]:
    defaults = {"first_name": "Sam", "birth_date": date(1960, 1, 1), "sex": "U",
                "product": "medicaid"}
    defaults.update(fields)
    with scopes_disabled():
        members = Member.objects.bulk_create(
            [Member(plan=plan, member_id=f"{prefix}{i}", last_name=f"{prefix}{i}", **defaults)
             for i in range(n)])
        access = [MemberAccess(member=m, organisation=plan, reason="plan") for m in members]
        if hub is not None:
            access += [MemberAccess(member=m, organisation=hub, reason="program")
                       for m in members]
        MemberAccess.objects.bulk_create(access)
    return members


def make_referrals(contract: Any, cbo: Organisation, members: list[Member],
                   plan: list[tuple[str, str | None, bool]], day: date) -> list[Referral]:
    """One referral per (state, state it was closed from or None, has an outreach
    attempt), made on `day` for the members in turn."""
    with scopes_disabled():
        made = Referral.objects.bulk_create([
            Referral(member=m, plan=contract.payer, hub=contract.provider, organisation=cbo,
                     contract=contract, contract_code=contract.code, service_code="MEAL",
                     state=state, close_reason="other" if closed_from else "")
            for m, (state, closed_from, _) in zip(members, plan, strict=True)])
        Referral.objects.filter(pk__in=[r.pk for r in made]).update(created_at=at(day, 9))
        events, attempts = [], []
        for r, (_, closed_from, attempted) in zip(made, plan, strict=True):
            if closed_from is not None:
                events.append(ReferralEvent(referral=r, member_id=r.member_id,
                                            organisation=cbo, kind="transition",
                                            from_state=closed_from, to_state="closed",
                                            at=at(day, 15)))
            if attempted:
                attempts.append(OutreachAttempt(referral=r, member_id=r.member_id,
                                                organisation=cbo, at=at(day, 11),
                                                channel="phone", outcome="no_answer"))
        ReferralEvent.objects.bulk_create(events)
        OutreachAttempt.objects.bulk_create(attempts)
    return made


def seeds_sample_plan() -> list[tuple[str, str | None, bool]]:
    """2,069 assigned; 1,642 outreached; 866 contacted; 420 accepted support, reached by
    current states and by the states closed referrals were closed from."""
    plan: list[tuple[str, str | None, bool]] = []
    plan += [("enrolled", None, True)] * 300 + [("closed", "accepted", True)] * 120
    plan += [("contacted", None, True)] * 280 + [("declined", None, True)] * 100
    plan += [("closed", "screened", True)] * 66
    plan += [("outreach", None, True)] * 634 + [("closed", "outreach", True)] * 142
    plan += [("assigned", None, False)] * 358 + [("closed", "assigned", False)] * 69
    return plan
