"""Referral cards on the home page: each role sees its own organisation's work, never
another organisation's, and names of members are read with an audit event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.members.imports import RankedRow
from carehub.network.models import Service, ServiceType
from carehub.referrals import services
from carehub.referrals.models import Referral
from tests.integration.referrals.conftest import acting_as, contract_with_terms, refer, walk_to

pytestmark = pytest.mark.django_db


def home(login_as, user) -> str:  # type: ignore[no-untyped-def]
    response = login_as(user).get("/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def both(tenant, other_tenant, contract):  # type: ignore[no-untyped-def]
    """One overdue referral in each network, each under its own plan's contract."""
    contract_with_terms(other_tenant, "O-MEALS")
    mine, theirs = refer(tenant), refer(other_tenant, "O-MEALS")
    with scopes_disabled():
        Referral.objects.filter(pk__in=[mine.pk, theirs.pk]).update(
            due_at=timezone.now() - timedelta(hours=3))
    return mine, theirs


def test_worker_sees_own_inbox_summary_with_links_and_the_read_is_audited(
        tenant, other_tenant, both, login_as):
    mine, theirs = both
    page = home(login_as, tenant.users["cbo_worker"])
    assert "My referrals" in page
    assert "1 member" in page and "1 overdue" in page and "0 due within a day" in page
    assert f'href="/referrals/{mine.pk}/"' in page
    assert "Alphamember, Ada" in page and "Make the first outreach attempt" in page
    assert "Omegamember" not in page and f'href="/referrals/{theirs.pk}/"' not in page
    with scopes_disabled():
        event = AuditEvent.objects.filter(object_type="referral_inbox", action="view").latest("pk")
    assert event.detail["member_ids"] == [tenant.member.pk]


def test_worker_due_within_a_day_is_counted(tenant, contract, login_as):
    referral = refer(tenant)
    with scopes_disabled():
        Referral.objects.filter(pk=referral.pk).update(due_at=timezone.now() + timedelta(hours=5))
    page = home(login_as, tenant.users["cbo_worker"])
    assert "0 overdue" in page and "1 due within a day" in page


def test_supervisor_sees_team_load_overdue_and_unassigned(tenant, other_tenant, both,
                                                          login_as):
    with scopes_disabled():
        Referral.objects.filter(organisation=other_tenant.cbo).update(assignee=None)
    page = home(login_as, tenant.users["cbo_supervisor"])
    assert "Team referrals" in page
    assert "1 overdue" in page and "0 unassigned" in page
    assert "Alpha-Worker Tester" in page
    assert "Omega" not in page
    with scopes_disabled():
        Referral.objects.filter(organisation=tenant.cbo).update(assignee=None)
    page = home(login_as, tenant.users["cbo_supervisor"])
    assert "1 unassigned" in page and "No open referrals assigned." in page


def test_hub_coordinator_sees_open_by_state_unrouted_and_capacity(tenant, other_tenant, both,
                                                                  login_as):
    with scopes_disabled():
        rows = [RankedRow(2, tenant.member.member_id, 1, True, "top", {})]
        services.save_ranked_list(tenant.payer, rows, name="June list", contract_code="T-MEALS",
                                  service_code="NUTR", hub=tenant.hub, source_bytes=b"june",
                                  acting=acting_as(tenant.users["payer_manager"], tenant.payer))
        nutrition = ServiceType.objects.get(slug="nutrition")
        Service.objects.create(organisation=tenant.cbo, name="Pantry boxes",
                               service_type=nutrition, capacity_status="waitlist")
        Service.objects.create(organisation=tenant.cbo, name="Meals", service_type=nutrition,
                               capacity_per_month=1)
        Service.objects.create(organisation=other_tenant.cbo, name="Omega closed kitchen",
                               service_type=nutrition, capacity_status="closed")
    for role in ("hub_coordinator", "hub_admin"):
        page = home(login_as, tenant.users[role])
        assert "Open referrals" in page
        assert "<tr><td>Assigned</td><td>1</td></tr>" in page
        assert "1 selected member</span> on 1 ranked list not yet assigned" in page
        assert "held by the hub" not in page
        assert "Pantry boxes: waitlist" in page
        assert "1 referrals this month of 1 a month" in page
        assert "Omega" not in page


def test_hub_counts_referrals_it_holds_itself_as_unrouted(tenant, other_tenant, contract,
                                                          login_as):
    with scopes_disabled():
        services.create_referral(member=tenant.member, organisation=tenant.hub, hub=tenant.hub,
                                 service_code="HDM", contract_code="T-MEALS",
                                 acting=acting_as(tenant.users["hub_coordinator"], tenant.hub))
    assert "1 held by the hub" in home(login_as, tenant.users["hub_coordinator"])
    assert "held by the hub" not in home(login_as, other_tenant.users["hub_coordinator"])


def test_hub_card_without_open_work(tenant, login_as):
    page = home(login_as, tenant.users["hub_coordinator"])
    assert "No open referrals." in page and "Everything is routed." in page
    assert "No organisation near its capacity." in page


@pytest.mark.parametrize("role", ["payer_manager", "payer_analyst"])
def test_plan_sees_funnel_and_barrier_tally_of_its_own_members(tenant, other_tenant, contract,
                                                               login_as, role):
    referral = walk_to(refer(tenant), tenant, "enrolled")
    contract_with_terms(other_tenant, "O-MEALS")
    theirs = refer(other_tenant, "O-MEALS")
    with scopes_disabled():
        services.raise_escalation(referral, barrier="transportation", description="No ride",
                                  acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))
        services.raise_escalation(theirs, barrier="housing_availability", description="x",
                                  acting=acting_as(other_tenant.users["cbo_worker"], other_tenant.cbo))
    page = home(login_as, tenant.users[role])
    assert "Members&#x27; progress" in page or "Members' progress" in page
    for stage, n, share in (("Referred", 1, 100), ("Contacted", 1, 100), ("Enrolled", 1, 100),
                            ("Completed", 0, 0), ("Closed without completing", 0, 0)):
        assert f"<tr><td>{stage}</td><td>{n}</td><td>{share}%</td></tr>" in page
    assert "Transportation: 1" in page and "1 open" in page
    assert "Housing availability" not in page
    other = home(login_as, other_tenant.users[role])
    assert "Housing availability: 1" in other and "Transportation" not in other
    assert "<tr><td>Enrolled</td><td>0</td><td>0%</td></tr>" in other


def test_auditor_gets_no_referral_card(tenant, both, login_as):
    page = home(login_as, tenant.users["auditor"])
    for title in ("My referrals", "Team referrals", "Open referrals", "Members&#x27; progress"):
        assert title not in page
