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
        # As the referral services do: the CBO may now see the member.
        MemberAccess.objects.bulk_create(
            [MemberAccess(member=m, organisation=cbo, reason="referral") for m in members],
            ignore_conflicts=True)
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


def refresh(contract: Any) -> None:
    """What the periodic job does: bring the contract's scorecard facts up to date."""
    from carehub.reporting.services.scorecard import refresh_facts
    from carehub.tenancy.access import Acting

    refresh_facts(acting=Acting.system(), contract=contract, full=True)


def add_services(contract: Any, referrals: list[Referral], *, timing_hours: int = 48) -> None:
    """Give the contract a timed service and give the referrals, in turn, services (first
    one 0–4 days after the referral, recorded 0–7 days late), screenings (complete or
    not) and needs (met or not), so every measure has something to count."""
    from datetime import timedelta

    from carehub.contracts.models import ServiceDefinition
    from carehub.network.models import ServiceType
    from carehub.referrals.models import Need, Screening, ServiceDelivery

    with scopes_disabled():
        service = ServiceDefinition.objects.create(
            contract=contract, code="MEAL", name="Meals", timing_hours=timing_hours,
            service_type=ServiceType.objects.get(slug="nutrition"))
        Referral.objects.filter(pk__in=[r.pk for r in referrals]).update(service=service)
        deliveries, screenings = [], []
        for i, r in enumerate(referrals):
            made = timezone.localtime(Referral.objects.get(pk=r.pk).created_at).date()
            if i % 3 != 2:
                day = made + timedelta(days=i % 5)
                deliveries.append(ServiceDelivery(
                    referral=r, member_id=r.member_id, organisation_id=r.organisation_id,
                    contract=contract, service=service, contract_code=contract.code,
                    service_code="MEAL", date=day, units=1, setting="home",
                    at=at(day + timedelta(days=i % 8))))
            if i % 2 == 0:
                screenings.append(Screening(referral=r, member_id=r.member_id,
                                            organisation_id=r.organisation_id,
                                            complete=i % 4 == 0, at=at(made)))
        ServiceDelivery.objects.bulk_create(deliveries)
        made_screenings = Screening.objects.bulk_create(screenings)
        Need.objects.bulk_create([
            Need(member_id=s.member_id, organisation_id=s.organisation_id, screening=s,
                 domain="food", icd10="Z59.41", icd10_display="Food insecurity", goal="meals",
                 status="met" if k % 3 == 0 else "active", at=s.at)
            for k, s in enumerate(made_screenings)])
