"""Renewal review: the page gathers ROI, barriers and active members for a contract in its
renewal window; the plan manager or hub admin records the decision, and a wind-down is
refused without a member-transition plan."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.referrals.models import Escalation
from carehub.reporting.models import RenewalDecision
from carehub.reporting.services import joc
from tests.integration.conftest import acting_as
from tests.integration.reporting.roi_world import program, roi_contract

pytestmark = pytest.mark.django_db

URL = reverse("reporting:renewal_contract", args=["T-MEALS"])


def setup(tenant, *, ends_in_days: int = 60):
    contract = roi_contract(tenant, ends_in_days=ends_in_days)
    referrals = program(tenant, contract, {f"P{i}": dt.date(2025, 7, 1) for i in range(3)})
    now = timezone.now()
    with scopes_disabled():
        for i, barrier in enumerate(["transportation", "transportation", "eligibility"]):
            Escalation.objects.create(
                referral=referrals[i], member=referrals[i].member, organisation=tenant.cbo,
                contract=contract, contract_code=contract.code, role="hub_coordinator",
                barrier=barrier, description="x", raised_at=now, due_at=now,
                resolved_at=now if i == 1 else None)
    return contract


def test_the_page_gathers_barriers_and_active_members(tenant, login_as):
    setup(tenant)
    page = login_as(tenant.users["payer_analyst"], tenant.payer).get(URL)
    assert page.status_code == 200
    text = page.content.decode()
    assert "3 active members would need to move" in text
    assert "<th scope=\"row\">Transportation</th><td class=\"num\">2</td><td class=\"num\">1</td>" in text
    assert "No ROI estimate yet." in text
    assert "No open action items." in text
    # the scorecard's last 12 months: the funnel's trend charts and every measure by month
    assert text.count("<figure><svg") == 3 and "Outreach rate: last 12 periods" in text
    assert "<th scope=\"row\">Support-provided rate</th>" in text
    # analysts read; they do not decide
    assert "Record the decision" not in text


def test_wind_down_needs_a_transition_plan(tenant, login_as):
    setup(tenant)
    client = login_as(tenant.users["payer_manager"], tenant.payer)
    refused = client.post(URL, {"decision": "wind_down", "reasons": "Budget", "transition_plan": " "})
    assert refused.status_code == 400
    assert "Winding down needs a member-transition plan" in refused.content.decode()
    assert not RenewalDecision.objects.exists()
    done = client.post(URL, {"decision": "wind_down", "reasons": "Budget",
                             "transition_plan": "Hand the 3 members to the county meals program by March."})
    assert done.status_code == 302
    decision = RenewalDecision.objects.get()
    assert decision.members_to_transition == 3
    assert decision.decided_organisation == tenant.payer
    with scopes_disabled():
        assert AuditEvent.objects.filter(object_type="renewal_decision",
                                         object_id=str(decision.pk)).exists()
    assert "Hand the 3 members" in client.get(URL).content.decode()


def test_the_hub_records_a_decision_both_parties_see(tenant, login_as):
    setup(tenant)
    hub = login_as(tenant.users["hub_admin"], tenant.hub)
    assert hub.post(URL, {"decision": "scale", "reasons": "Outcomes met"}).status_code == 302
    plan_page = login_as(tenant.users["payer_analyst"], tenant.payer).get(URL)
    assert "Scale up" in plan_page.content.decode()


def test_roles_that_read_cannot_decide(tenant, login_as):
    setup(tenant)
    for role, org in (("payer_analyst", tenant.payer), ("hub_coordinator", tenant.hub)):
        response = login_as(tenant.users[role], org).post(URL, {"decision": "renew", "reasons": "ok"})
        assert response.status_code == 403
    assert not RenewalDecision.objects.exists()


def test_no_decision_before_the_renewal_window(tenant, login_as):
    setup(tenant, ends_in_days=400)
    client = login_as(tenant.users["payer_manager"], tenant.payer)
    page = client.get(URL)
    assert "not yet in its renewal window" in page.content.decode()
    assert client.post(URL, {"decision": "renew", "reasons": "ok"}).status_code == 400
    assert not RenewalDecision.objects.exists()
    listing = client.get(reverse("reporting:renewal")).content.decode()
    assert "Not yet" in listing


def test_others_get_404(tenant, other_tenant, login_as):
    setup(tenant)
    for user, org in ((other_tenant.users["payer_manager"], other_tenant.payer),
                      (tenant.users["cbo_supervisor"], tenant.cbo)):
        client = login_as(user, org)
        assert client.get(URL).status_code == 404
        assert client.post(URL, {"decision": "renew", "reasons": "x"}).status_code == 404
    assert not RenewalDecision.objects.exists()


def test_open_action_items_of_the_contracts_committee(tenant, login_as):
    contract = setup(tenant)
    hub = acting_as(tenant.users["hub_admin"], tenant.hub)
    with scopes_disabled():
        committee = joc.create_committee(acting=hub, hub=tenant.hub, plan=tenant.payer,
                                         name="T-MEALS JOC", contract=contract)
        other = joc.create_committee(acting=hub, hub=tenant.hub, plan=tenant.payer,
                                     name="Another JOC")
        meeting = joc.plan_meeting(committee, acting=hub, starts_at=timezone.now(),
                                   period="2026-11")
        joc.add_action(meeting, acting=hub, text="Send the transport vouchers list",
                       due_on=dt.date(2026, 12, 15), owner_name="Dana Hub")
        done = joc.add_action(meeting, acting=hub, text="Fix the referral form",
                              due_on=dt.date(2026, 12, 1), owner_name="Sam")
        joc.close_action(done, acting=hub, meeting=meeting)
        elsewhere = joc.plan_meeting(other, acting=hub, starts_at=timezone.now(),
                                     period="2026-11")
        joc.add_action(elsewhere, acting=hub, text="Not this contract's", due_on=dt.date(2026, 12, 1),
                       owner_name="Lee")
    text = login_as(tenant.users["payer_analyst"], tenant.payer).get(URL).content.decode()
    assert "Send the transport vouchers list · Dana Hub · due 2026-12-15" in text
    assert "Fix the referral form" not in text and "Not this contract" not in text
