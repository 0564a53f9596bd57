"""Referrals: the closed loop through services and pages, ownership, conflicts, consent,
funds, escalations and the permission matrix."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.contracts.models import ServiceDefinition
from carehub.referrals import services
from carehub.referrals.models import CaseNote, Referral, ReferralEvent
from carehub.tenancy.access import Acting
from tests.integration.referrals.conftest import (
    acting_as,
    contract_with_terms,
    deliver_under,
    refer,
    walk_to,
)

pytestmark = pytest.mark.django_db


def test_a_referral_walks_to_completed_and_every_step_is_on_the_timeline(tenant, contract):
    referral = walk_to(refer(tenant), tenant, "completed")
    assert referral.state == "completed"
    assert referral.enrolled_on == date.today() and referral.completed_on == date.today()
    with scopes_disabled():
        states = list(ReferralEvent.objects.filter(referral=referral, kind="transition")
                      .order_by("at", "pk").values_list("to_state", flat=True))
        assert states == ["outreach", "contacted", "screened", "accepted", "enrolled",
                          "in_service", "completed"]
        assert AuditEvent.objects.filter(object_type="referral", action="update",
                                         object_id=str(referral.pk)).count() == 7
        need = referral.member.pk and list(
            __import__("carehub.referrals.models", fromlist=["Need"]).Need.objects.filter(
                member=tenant.member).values_list("icd10", "goal"))
    assert need == [("Z59.41", "Food security")]


def test_illegal_moves_are_refused_and_nothing_is_written(tenant, contract):
    referral = refer(tenant)
    with scopes_disabled(), pytest.raises(services.ReferralError,
                                          match="Cannot move from assigned to enrolled"):
        services.transition(referral, referral.version, "enrolled",
                            acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))
    with scopes_disabled():
        assert Referral.objects.get(pk=referral.pk).state == "assigned"
        assert ReferralEvent.objects.filter(referral=referral, kind="transition").count() == 0


def test_a_second_organisation_sees_who_owns_outreach(tenant, contract):
    refer(tenant)
    with scopes_disabled():
        from tests.integration.conftest import make_org

        other = make_org("cbo", "Second Pantry")
        deliver_under("T-MEALS", other, tenant.hub)
        with pytest.raises(services.AlreadyOwned, match="Alpha Pantry already owns outreach"):
            services.create_referral(member=tenant.member, organisation=other,
                                     service_code="HDM", contract_code="T-MEALS",
                                     acting=acting_as(tenant.users["hub_coordinator"], tenant.hub))


def test_unreachable_needs_the_contracts_attempts(tenant):
    """The contract row sets the attempts (four here, not the default three): closing as
    unreachable is refused until that many are recorded."""
    contract_with_terms(tenant, "T-FOUR", max_outreach_attempts=4)
    referral = refer(tenant, code="T-FOUR")
    worker = acting_as(tenant.users["cbo_worker"], tenant.cbo)
    with scopes_disabled():
        for _ in range(3):
            referral = Referral.objects.get(pk=referral.pk)
            services.record_attempt(referral, referral.version, channel="text",
                                    outcome="no_answer", acting=worker)
        referral = Referral.objects.get(pk=referral.pk)
        with pytest.raises(services.ReferralError,
                           match="Unreachable needs 4 outreach attempts under the contract; "
                                 "3 recorded"):
            services.transition(referral, referral.version, "closed", close_reason="unreachable",
                                acting=worker)
        services.record_attempt(referral, referral.version, channel="mail",
                                outcome="returned_mail", acting=worker)
        referral = Referral.objects.get(pk=referral.pk)
        services.transition(referral, referral.version, "closed", close_reason="unreachable",
                            acting=worker)
        assert Referral.objects.get(pk=referral.pk).close_reason == "unreachable"


def test_first_contact_is_due_by_the_contracts_timing(tenant):
    """The service definition's timing (36 hours from the referral) sets the due time; a
    contract code that names no contract is refused, never given default timing."""
    contract_with_terms(tenant, "T-36", timing_hours=36)
    moment = timezone.now()
    with scopes_disabled():
        referral = services.create_referral(
            member=tenant.member, organisation=tenant.cbo, hub=tenant.hub, service_code="HDM",
            contract_code="T-36", acting=acting_as(tenant.users["hub_coordinator"], tenant.hub),
            now=moment)
        assert referral.due_at == moment + timedelta(hours=36)
        with pytest.raises(services.RuleRefused, match="There is no contract NO-SUCH paid by "
                                                       "Alpha Plan"):
            services.create_referral(
                member=tenant.member, organisation=tenant.cbo, hub=tenant.hub,
                service_code="NUTR", contract_code="NO-SUCH",
                acting=acting_as(tenant.users["hub_coordinator"], tenant.hub))


def test_two_workers_at_once_one_wins_the_other_gets_a_conflict(tenant, contract, login_as,
                                                                 second_worker):
    referral = walk_to(refer(tenant), tenant, "outreach")
    stale_version = referral.version
    first = login_as(tenant.users["cbo_worker"])
    second = login_as(second_worker)
    url = f"/referrals/{referral.pk}/transition/"
    ok = first.post(url, {"version": stale_version, "target": "contacted"}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200 and b"Saved." in ok.content
    lost = second.post(url, {"version": stale_version, "target": "closed",
                             "close_reason": "moved", "note": "moved to Ohio"},
                       HTTP_HX_REQUEST="true")
    body = lost.content.decode()
    assert lost["X-Conflict"] == "1"
    assert "was changed by Alpha-Worker Tester" in body and "Reload" in body
    assert 'value="moved to Ohio"' in body  # the loser's input is kept in the form
    with scopes_disabled():
        current = Referral.objects.get(pk=referral.pk)
    assert current.state == "contacted" and current.version == stale_version + 1


def test_consent_revocation_stops_sharing_in_pages_api_and_exports(tenant, contract, login_as):
    referral = walk_to(refer(tenant), tenant, "enrolled")
    worker = tenant.users["cbo_worker"]
    with scopes_disabled():
        services.add_note(referral, text="Lives alone, key under the mat", acting=acting_as(worker, tenant.cbo))
        consent = services.record_consent(tenant.member, kind="data_sharing",
                                          scope="plan and hub: needs, services, notes",
                                          given_on=date.today() - timedelta(days=1),
                                          expires_on=None, acting=acting_as(worker, tenant.cbo))
    plan = login_as(tenant.users["payer_manager"])
    hub = login_as(tenant.users["hub_coordinator"])
    member_url = f"/referrals/member/{tenant.member.pk}/"
    assert b"key under the mat" in plan.get(member_url).content
    assert b"key under the mat" in hub.get(f"/api/referrals/referrals/{referral.pk}").content
    assert b"Z59.41" in plan.get("/referrals/plan/progress.csv").content
    with scopes_disabled():
        services.revoke_consent(consent, acting=acting_as(worker, tenant.cbo))
    page = plan.get(member_url).content
    assert b"key under the mat" not in page and b"No active data-sharing consent" in page
    api = hub.get(f"/api/referrals/referrals/{referral.pk}").json()
    assert api["shared"] is False and "key under the mat" not in str(api)
    export = plan.get("/referrals/plan/progress.csv").content.decode()
    assert "Z59.41" not in export and "no active data-sharing consent" in export
    # The recording organisation still sees its own notes.
    assert b"key under the mat" in login_as(worker).get(member_url).content


def test_an_expired_consent_shares_nothing(tenant, contract, login_as):
    referral = walk_to(refer(tenant), tenant, "enrolled")
    with scopes_disabled():
        services.add_note(referral, text="private detail", acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))
        services.record_consent(tenant.member, kind="data_sharing", scope="plan",
                                given_on=date.today() - timedelta(days=30),
                                expires_on=date.today(), acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))
    page = login_as(tenant.users["payer_manager"]).get(f"/referrals/member/{tenant.member.pk}/")
    assert b"private detail" not in page.content


def test_case_note_reads_are_audited(tenant, contract, login_as):
    referral = refer(tenant)
    with scopes_disabled():
        note = services.add_note(referral, text="called twice", acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))
    login_as(tenant.users["cbo_supervisor"]).get(f"/referrals/{referral.pk}/")
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="view", object_type="case_note",
                                         object_id=str(note.pk)).exists()
        assert CaseNote.objects.count() == 1


def test_flexible_funds_refuse_overspending_and_other_categories(tenant, contract):
    referral = walk_to(refer(tenant), tenant, "enrolled")
    kw = {"acting": acting_as(tenant.users["cbo_worker"], tenant.cbo), "on": date.today(),
          "receipt": "R-1"}
    with scopes_disabled():
        services.spend_funds(referral, category="utilities", amount="80.00", **kw)
        with pytest.raises(services.ReferralError) as over:
            services.spend_funds(referral, category="gas", amount="20.01", **kw)
        assert str(over.value) == ("Spending 20.01 would pass the member's allocation: 100.00 "
                                   "allocated, 80.00 spent, 20.00 left.")
        with pytest.raises(services.ReferralError, match="'rent' is not an allowed category"):
            services.spend_funds(referral, category="rent", amount="5.00", **kw)
        services.spend_funds(referral, category="gas", amount="20.00", **kw)
        assert services.fund_balance(referral.member_id, referral.contract, date.today()) == (
            __import__("decimal").Decimal("100.00"), __import__("decimal").Decimal("100.00"))


def test_escalations_move_up_when_unanswered_and_the_plan_sees_the_tally(tenant, contract,
                                                                         login_as):
    referral = refer(tenant)
    with scopes_disabled():
        raised = timezone.now() - timedelta(hours=30)
        row = services.raise_escalation(referral, barrier="prior_authorisation",
                                        description="PA pending 3 weeks",
                                        acting=acting_as(tenant.users["cbo_worker"], tenant.cbo),
                                        now=raised)
        assert (row.level, row.role) == (1, "cbo_supervisor")
        assert services.escalate_overdue(acting=Acting.system()) == 1
        row.refresh_from_db()
        assert (row.level, row.role) == (2, "hub_coordinator")
    page = login_as(tenant.users["payer_manager"]).get("/referrals/plan/")
    assert b"Prior authorisation" in page.content and b"prior_authorisation" not in page.content
    client = login_as(tenant.users["hub_coordinator"])
    client.post(f"/referrals/escalation/{row.pk}/resolve/", {"resolution": "PA waived"})
    row.refresh_from_db()
    assert row.resolution == "PA waived" and row.resolved_at is not None


def test_do_not_contact_blocks_outreach(tenant, contract):
    referral = refer(tenant)
    with scopes_disabled():
        services.set_contact_preference(tenant.member, acting=acting_as(tenant.users["cbo_worker"], tenant.cbo), do_not_contact=True)
        with pytest.raises(services.ReferralError, match="asked not to be contacted"):
            services.record_attempt(referral, referral.version, channel="phone",
                                    outcome="no_answer", acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))


def test_services_only_against_the_contracts_definitions(tenant, contract):
    referral = walk_to(refer(tenant), tenant, "enrolled")
    with scopes_disabled(), pytest.raises(services.ReferralError, match="XYZ is not a service"):
        services.log_service(referral, service_code="XYZ", on=date.today(), units=1,
                             setting="home", acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))


PAGES = ["/referrals/", "/referrals/team/", "/referrals/hub/", "/referrals/plan/",
         "/referrals/plan/progress.csv"]
ALLOWED = {
    "/referrals/": {"cbo_worker", "cbo_supervisor"},
    "/referrals/team/": {"cbo_supervisor"},
    "/referrals/hub/": {"hub_coordinator", "hub_admin"},
    "/referrals/plan/": {"payer_manager", "payer_analyst"},
    "/referrals/plan/progress.csv": {"payer_manager", "payer_analyst"},
}
ROLES = ["hub_admin", "hub_coordinator", "cbo_supervisor", "cbo_worker", "payer_manager",
         "payer_analyst", "auditor"]


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_for_list_pages(tenant, role, login_as):
    client = login_as(tenant.users[role])
    for url in PAGES:
        expected = 200 if role in ALLOWED[url] else 404
        assert client.get(url).status_code == expected, (url, role)


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_for_one_referral(tenant, other_tenant, contract, role, login_as):
    referral = refer(tenant)
    readers = {"hub_admin", "hub_coordinator", "cbo_supervisor", "cbo_worker", "payer_manager",
               "payer_analyst"}
    own = login_as(tenant.users[role])
    assert own.get(f"/referrals/{referral.pk}/").status_code == (200 if role in readers else 404)
    assert own.get(f"/referrals/member/{tenant.member.pk}/").status_code == (
        200 if role in readers else 404)
    other = login_as(other_tenant.users[role])
    for url in (f"/referrals/{referral.pk}/", f"/referrals/member/{tenant.member.pk}/",
                f"/api/referrals/referrals/{referral.pk}"):
        assert other.get(url).status_code == 404, (url, role)
    for action in ("transition", "attempt", "note", "escalate", "funds", "service", "assign",
                   "screening", "pathway", "visit", "reroute"):
        response = other.post(f"/referrals/{referral.pk}/{action}/", {"version": 1})
        assert response.status_code == 404, (action, role)
    with scopes_disabled():
        assert Referral.objects.get(pk=referral.pk).version == referral.version


def test_other_tenants_api_list_is_empty(tenant, other_tenant, contract, login_as):
    refer(tenant)
    rows = login_as(other_tenant.users["hub_coordinator"]).get("/api/referrals/referrals").json()
    assert rows == []
    mine = login_as(tenant.users["hub_coordinator"]).get("/api/referrals/referrals").json()
    assert [r["fhir_task"]["status"] for r in mine] == ["requested"]


def test_the_worker_inbox_shows_overdue_first(tenant, contract, login_as):
    referral = refer(tenant)
    with scopes_disabled():
        Referral.objects.filter(pk=referral.pk).update(due_at=timezone.now() - timedelta(hours=2))
    page = login_as(tenant.users["cbo_worker"]).get("/referrals/").content.decode()
    assert "overdue" in page and "Make the first outreach attempt" in page


def test_the_coordinator_refers_and_routes(tenant, routable, login_as):
    client = login_as(tenant.users["hub_coordinator"])
    with scopes_disabled():
        service = ServiceDefinition.objects.get(contract__code="T-MEALS", code="HDM")
    body = {"member": tenant.member.pk, "contract": service.contract_id, "service": service.pk}
    response = client.post("/referrals/hub/new/", body)
    assert b"Referred to Alpha Pantry" in response.content
    again = client.post("/referrals/hub/new/", body)
    assert again.status_code == 409 and b"already owns outreach" in again.content
