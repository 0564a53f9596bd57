"""Due dates for every open state: from the contract's service definition where it sets
timing, from the documented defaults (`referrals.due.DEFAULT_HOURS`) elsewhere; shown as
overdue and due soon in lists, counted on home cards, sorted on the supervisor's list."""

from __future__ import annotations

import importlib
from datetime import date, datetime, time, timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.contracts.models import ServiceDefinition
from carehub.core.referral_states import State
from carehub.members.models import Member, MemberAccess
from carehub.referrals import services
from carehub.referrals.due import DEFAULT_HOURS
from carehub.referrals.models import Referral, ReferralEvent
from tests.integration.referrals.conftest import (
    acting_as,
    contract_with_terms,
    refer,
    walk_to,
)

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(0, 0)))


def set_timing(code: str, **fields) -> None:  # type: ignore[no-untyped-def]
    with scopes_disabled():
        ServiceDefinition.objects.filter(contract__code=code, code="HDM").update(**fields)


def fresh(referral: Referral) -> Referral:
    with scopes_disabled():
        return Referral.objects.get(pk=referral.pk)


def move(referral: Referral, tenant, target: str) -> tuple[Referral, datetime, datetime]:  # type: ignore[no-untyped-def]
    """Transition and return the referral with the moment window around the move."""
    before = timezone.now()
    walk_to(referral, tenant, target)
    return fresh(referral), before, timezone.now()


def assert_due(referral: Referral, hours: int, before: datetime, after: datetime) -> None:
    assert referral.due_at is not None
    assert before + timedelta(hours=hours) <= referral.due_at <= after + timedelta(hours=hours)


def test_each_open_state_gets_the_default_when_the_contract_sets_no_timing(tenant):
    contract_with_terms(tenant, "T-NONE", timing_hours=None)
    before = timezone.now()
    referral = refer(tenant, code="T-NONE")
    assert_due(fresh(referral), 48, before, timezone.now())  # first outreach: two days
    created = fresh(referral).created_at
    referral, _, _ = move(referral, tenant, "outreach")
    # Contact is the referral's clock: a week from the referral, not from the attempt.
    assert referral.due_at == created + timedelta(hours=DEFAULT_HOURS[State.OUTREACH])
    for state in ("contacted", "screened", "accepted", "enrolled"):
        with scopes_disabled():
            before = timezone.now()
            current = fresh(referral)
            services.transition(current, current.version, state,
                                acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))
        referral = fresh(referral)
        assert_due(referral, DEFAULT_HOURS[State(state)], before, timezone.now())
    before = timezone.now()
    with scopes_disabled():
        services.log_service(referral, service_code="HDM", on=date.today(), units=1,
                             setting="home", acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))
    referral = fresh(referral)
    assert referral.state == "in_service"
    assert_due(referral, 90 * 24, before, timezone.now())  # review every 90 days
    with scopes_disabled():
        services.transition(referral, referral.version, "completed",
                            acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))
    assert fresh(referral).due_at is None


def test_declined_is_due_to_be_closed_within_two_days(tenant, contract):
    referral = walk_to(refer(tenant), tenant, "contacted")
    before = timezone.now()
    with scopes_disabled():
        services.transition(referral, referral.version, "declined", decline_reason="has help",
                            acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))
    assert_due(fresh(referral), 48, before, timezone.now())


def test_contact_timing_from_discharge_sets_first_outreach_and_contact(tenant):
    contract_with_terms(tenant, "T-DIS", timing_hours=24)
    set_timing("T-DIS", timing_anchor="discharge")
    discharge = date.today() - timedelta(days=3)
    with scopes_disabled():
        referral = services.create_referral(
            member=tenant.member, organisation=tenant.cbo, hub=tenant.hub, service_code="HDM",
            contract_code="T-DIS", anchor_date=discharge, assignee=tenant.users["cbo_worker"],
            acting=acting_as(tenant.users["hub_coordinator"], tenant.hub))
    deadline = midnight(discharge) + timedelta(hours=24)
    assert fresh(referral).due_at == deadline  # sooner than the two-day default
    referral, _, _ = move(referral, tenant, "outreach")
    assert referral.due_at == deadline
    assert referral.due_at < timezone.now()  # discharged three days ago: overdue already


def test_contact_timing_later_than_the_default_still_wants_a_first_attempt_in_two_days(tenant):
    contract_with_terms(tenant, "T-SLOW", timing_hours=240)
    before = timezone.now()
    referral = refer(tenant, code="T-SLOW")
    assert_due(fresh(referral), 48, before, timezone.now())
    created = fresh(referral).created_at
    referral, _, _ = move(referral, tenant, "outreach")
    assert referral.due_at == created + timedelta(hours=240)


def test_service_start_from_enrolment_and_review_at_the_maximum_duration(tenant):
    contract_with_terms(tenant, "T-ENR", timing_hours=72)
    set_timing("T-ENR", timing_anchor="enrolment", max_duration_days=14)
    referral = refer(tenant, code="T-ENR")
    before = timezone.now()
    assert_due(fresh(referral), 48, before - timedelta(minutes=1), timezone.now())
    referral, _, _ = move(referral, tenant, "enrolled")
    assert referral.due_at == midnight(referral.enrolled_on) + timedelta(hours=72)
    with scopes_disabled():
        services.log_service(referral, service_code="HDM", on=date.today(), units=1,
                             setting="home", acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))
    referral = fresh(referral)
    assert referral.state == "in_service"
    # Fourteen days of meals: reviewed at day fourteen, before the 90-day default.
    assert referral.due_at == midnight(referral.enrolled_on) + timedelta(days=14)


def test_the_data_migration_dates_referrals_left_in_contacted(tenant, contract):
    """A referral in contacted for months with no due time (as before due dates) gets the
    screening due time counted from when it entered contacted, so it shows overdue."""
    referral = walk_to(refer(tenant), tenant, "contacted")
    months_ago = timezone.now() - timedelta(days=120)
    with scopes_disabled():
        ReferralEvent.objects.filter(referral=referral, to_state="contacted").update(at=months_ago)
        Referral.objects.filter(pk=referral.pk).update(due_at=None)
    migration = importlib.import_module(
        "carehub.referrals.migrations.0006_due_dates_and_queues")
    with scopes_disabled():
        migration.set_due_dates(apps, None)
    referral = fresh(referral)
    assert referral.due_at == months_ago + timedelta(days=7)
    assert referral.due_at < timezone.now()


def another_member(tenant, n: int) -> Member:  # type: ignore[no-untyped-def]
    with scopes_disabled():
        member = Member.objects.create(
            plan=tenant.payer, member_id=f"Alpha-M{n}", first_name=f"Member{n}",
            last_name=f"Zed{n}", birth_date=date(1950, 1, n), sex="F",
            product="medicare_advantage", county="Erie, NY")
        MemberAccess.objects.create(member=member, organisation=tenant.hub, reason="program")
        MemberAccess.objects.create(member=member, organisation=tenant.payer, reason="plan")
    return member


def referral_due(tenant, member: Member, hours: float,  # type: ignore[no-untyped-def]
                 code: str = "T-MEALS") -> Referral:
    with scopes_disabled():
        referral = services.create_referral(
            member=member, organisation=tenant.cbo, hub=tenant.hub, service_code="HDM",
            contract_code=code, assignee=tenant.users["cbo_worker"],
            acting=acting_as(tenant.users["hub_coordinator"], tenant.hub))
        Referral.objects.filter(pk=referral.pk).update(
            due_at=timezone.now() + timedelta(hours=hours))
    return referral


@pytest.fixture
def spread(tenant, contract):  # type: ignore[no-untyped-def]
    """Four open referrals: due in three days, overdue by an hour, due in five hours,
    overdue by two days."""
    return {hours: referral_due(tenant, another_member(tenant, i), hours)
            for i, hours in enumerate((72, -1, 5, -48), start=2)}


def test_supervisor_list_sorts_overdue_first_then_due_soonest(tenant, spread, login_as):
    page = login_as(tenant.users["cbo_supervisor"]).get("/referrals/").content.decode()
    positions = [page.index(f'href="/referrals/{spread[h].pk}/"') for h in (-48, -1, 5, 72)]
    assert positions == sorted(positions)
    # Badges carry words, not only colour.
    assert page.count('<span class="badge bad">overdue</span>') == 2
    assert page.count('<span class="badge warn">due within a day</span>') == 1


def test_overdue_and_due_soon_are_counted_on_every_home_card(tenant, other_tenant, spread,
                                                             login_as):
    contract_with_terms(other_tenant, "O-MEALS")
    referral_due(other_tenant, other_tenant.member, -3, code="O-MEALS")  # never counted for Alpha
    for role in ("cbo_supervisor", "hub_coordinator", "payer_manager"):
        page = login_as(tenant.users[role]).get("/").content.decode()
        assert "2 overdue" in page and "1 due within a day" in page, role


def test_hub_and_plan_lists_show_the_due_badges(tenant, spread, login_as):
    for user, url in ((tenant.users["hub_coordinator"], "/referrals/hub/"),
                      (tenant.users["payer_manager"], "/referrals/plan/")):
        page = login_as(user).get(url).content.decode()
        assert page.count('<span class="badge bad">overdue</span>') == 2, url
        assert page.count('<span class="badge warn">due within a day</span>') == 1, url
