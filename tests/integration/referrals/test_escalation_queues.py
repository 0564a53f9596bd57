"""Escalation queues: each role sees what waits at its level for its own organisation,
escalations move up on the contract's response times and tell the next level by mail,
resolution is explicit, and finishing a referral asks what happens to open escalations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.contracts.models import Contract, EscalationLevel
from carehub.referrals import services
from carehub.referrals.models import Escalation, Referral, ReferralEvent
from carehub.tenancy.access import Acting
from tests.integration.conftest import make_user
from tests.integration.referrals.conftest import acting_as, contract_with_terms, refer, walk_to

pytestmark = pytest.mark.django_db

# The contract's pathway, with response times unlike the defaults (24, 48, 72 hours).
LEVELS = ((1, "cbo_supervisor", 12), (2, "hub_coordinator", 36), (3, "payer_manager", 60))


def with_levels(tenant, code: str = "T-ESC") -> str:  # type: ignore[no-untyped-def]
    found = contract_with_terms(tenant, code)
    with scopes_disabled():
        for level, role, hours in LEVELS:
            EscalationLevel.objects.create(contract=found, level=level, role=role,
                                           response_hours=hours)
        for user in tenant.users.values():
            user.email = f"{user.username.lower()}@example.org"
            user.save(update_fields=["email"])
    return code


@pytest.fixture
def pathway(tenant) -> str:  # type: ignore[no-untyped-def]
    return with_levels(tenant)


def raise_on(tenant, code: str = "T-ESC", hours_ago: float = 0) -> Escalation:  # type: ignore[no-untyped-def]
    referral = refer(tenant, code=code)
    with scopes_disabled():
        return services.raise_escalation(
            referral, barrier="transportation", description="No ride to the pantry",
            acting=acting_as(tenant.users["cbo_worker"], tenant.cbo),
            now=timezone.now() - timedelta(hours=hours_ago))


def reload(row: Escalation) -> Escalation:
    with scopes_disabled():
        return Escalation.objects.get(pk=row.pk)


def test_an_escalation_travels_two_levels_and_each_level_gets_mail(
        tenant, pathway, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    row = raise_on(tenant, hours_ago=13)  # level 1 answers within 12 hours
    assert (row.level, row.role) == (1, "cbo_supervisor")
    assert row.due_at == row.raised_at + timedelta(hours=12)
    now = timezone.now()
    # Mail goes once the moves have committed.
    with scopes_disabled(), django_capture_on_commit_callbacks(execute=True):
        first = services.move_up_overdue(acting=Acting.system(), now=now)
    row = reload(row)
    assert (row.level, row.role, row.due_at) == (2, "hub_coordinator", now + timedelta(hours=36))
    assert first.mails == 1 and len(mail.outbox) == 1
    notice = mail.outbox[0]
    assert notice.to == ["alpha-coord@example.org"]
    assert "1 escalation now waits for the hub coordinator" in notice.subject
    assert "http://127.0.0.1:8000/referrals/escalations/" in notice.body
    assert "Alpha Hub" in notice.body
    # A link and a count: no member's name or id, no description.
    for private in ("Ada", "Alphamember", "Alpha-M1", "No ride"):
        assert private not in notice.subject + notice.body
    later = now + timedelta(hours=37)
    with scopes_disabled(), django_capture_on_commit_callbacks(execute=True):
        services.move_up_overdue(acting=Acting.system(), now=later)
    row = reload(row)
    assert (row.level, row.role, row.due_at) == (3, "payer_manager", later + timedelta(hours=60))
    assert [m.to for m in mail.outbox] == [["alpha-coord@example.org"],
                                           ["alpha-manager@example.org"]]
    assert "plan program manager of Alpha Plan" in mail.outbox[1].body
    with scopes_disabled():
        events = list(ReferralEvent.objects.filter(referral_id=row.referral_id, kind="escalated")
                      .order_by("at").values_list("note", flat=True))
    assert len(events) == 2 and "level 3 (Plan program manager)" in events[1]
    # At the top: reported, not moved, no more mail.
    with scopes_disabled(), django_capture_on_commit_callbacks(execute=True):
        top = services.move_up_overdue(acting=Acting.system(), now=later + timedelta(hours=61))
    assert [x.pk for x in top.at_top] == [row.pk] and len(mail.outbox) == 2


def test_without_escalation_levels_the_defaults_apply(tenant, contract):
    row = raise_on(tenant, code="T-MEALS")
    assert (row.level, row.role) == (1, "cbo_supervisor")
    assert row.due_at == row.raised_at + timedelta(hours=24)


def queue_page(login_as, user) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    response = login_as(user).get("/referrals/escalations/")
    return response.status_code, response.content.decode()


def test_each_role_sees_its_level_of_its_own_organisation(tenant, other_tenant, pathway,
                                                          login_as):
    with_levels(other_tenant, "O-ESC")
    mine = raise_on(tenant)
    theirs = raise_on(other_tenant, code="O-ESC")
    link = f'href="/referrals/escalation/{mine.pk}/"'
    status, page = queue_page(login_as, tenant.users["cbo_supervisor"])
    assert status == 200 and link in page and "Alphamember, Ada" in page
    assert "No ride to the pantry" in page  # the supervisor's own organisation wrote it
    assert f'/referrals/escalation/{theirs.pk}/' not in page and "Omegamember" not in page
    with scopes_disabled():  # naming members in the queue is an audited read
        event = AuditEvent.objects.filter(object_type="escalation_queue").latest("pk")
    assert event.detail["member_ids"] == [tenant.member.pk]
    # Not at their level yet: the hub and the plan see nothing.
    for role in ("hub_coordinator", "payer_manager"):
        assert link not in queue_page(login_as, tenant.users[role])[1], role
    with scopes_disabled():
        Escalation.objects.filter(pk=mine.pk).update(level=2, role="hub_coordinator")
    assert link in queue_page(login_as, tenant.users["hub_coordinator"])[1]
    assert link not in queue_page(login_as, tenant.users["cbo_supervisor"])[1]
    assert link not in queue_page(login_as, tenant.users["hub_admin"])[1]
    assert link not in queue_page(login_as, other_tenant.users["hub_coordinator"])[1]
    with scopes_disabled():
        Escalation.objects.filter(pk=mine.pk).update(level=3, role="payer_manager")
    status, page = queue_page(login_as, tenant.users["payer_manager"])
    assert link in page
    # The plan did not write the description and has no consent: withheld.
    assert "No ride to the pantry" not in page and "Details not shared" in page
    assert link not in queue_page(login_as, other_tenant.users["payer_manager"])[1]
    assert queue_page(login_as, tenant.users["auditor"])[0] == 404


def test_another_organisation_gets_404_on_the_escalation_and_its_resolution(
        tenant, other_tenant, pathway, login_as):
    row = raise_on(tenant)
    for user in other_tenant.users.values():
        client = login_as(user)
        assert client.get(f"/referrals/escalation/{row.pk}/").status_code == 404
        answer = client.post(f"/referrals/escalation/{row.pk}/resolve/",
                             {"resolution": "done", "next": "queue"})
        assert answer.status_code == 404
    assert reload(row).resolved_at is None
    page = login_as(tenant.users["cbo_worker"]).get(f"/referrals/escalation/{row.pk}/")
    assert page.status_code == 200 and b"Level 1: CBO supervisor" in page.content
    assert b"Plan program manager, answers within 60 hours" in page.content


def test_resolution_is_explicit_and_by_the_role_waiting(tenant, pathway, login_as):
    row = raise_on(tenant)
    url = f"/referrals/escalation/{row.pk}/resolve/"
    worker = login_as(tenant.users["cbo_worker"]).post(
        url, {"resolution": "sorted", "next": "queue"}, HTTP_HX_REQUEST="true")
    assert worker.status_code == 400
    assert b"This escalation waits for the CBO supervisor." in worker.content
    supervisor = login_as(tenant.users["cbo_supervisor"])
    empty = supervisor.post(url, {"resolution": "  ", "next": "queue"}, HTTP_HX_REQUEST="true")
    assert empty.status_code == 400 and b"say how the escalation was resolved" in empty.content
    assert reload(row).resolved_at is None
    done = supervisor.post(url, {"resolution": "Volunteer driver booked", "next": "queue"},
                           HTTP_HX_REQUEST="true")
    assert done.status_code == 204 and done["HX-Redirect"] == "/referrals/escalations/"
    row = reload(row)
    assert row.resolution == "Volunteer driver booked"
    assert row.resolved_by == tenant.users["cbo_supervisor"]
    assert row.resolved_organisation_id == tenant.cbo.pk
    assert f"/referrals/escalation/{row.pk}/" not in queue_page(
        login_as, tenant.users["cbo_supervisor"])[1]
    again = supervisor.post(url, {"resolution": "again"})
    assert again.status_code == 302 and reload(row).resolution == "Volunteer driver booked"


def test_home_cards_count_the_queue_and_the_nav_links_to_it(tenant, other_tenant, pathway,
                                                            login_as):
    with_levels(other_tenant, "O-ESC")
    raise_on(tenant, hours_ago=13)  # overdue at level 1
    raise_on(other_tenant, code="O-ESC")
    page = login_as(tenant.users["cbo_supervisor"]).get("/").content.decode()
    assert "Escalations" in page and "1 waiting" in page and "1 overdue" in page
    assert 'href="/referrals/escalations/"' in page
    hub = login_as(tenant.users["hub_coordinator"]).get("/").content.decode()
    assert "0 waiting" in hub


def finish(referral: Referral, tenant, target: str, **kw) -> Referral:  # type: ignore[no-untyped-def]
    with scopes_disabled():
        current = Referral.objects.get(pk=referral.pk)
        return services.transition(current, current.version, target,
                                   acting=acting_as(tenant.users["cbo_worker"], tenant.cbo), **kw)


def test_closing_with_open_escalations_needs_an_answer(tenant, pathway):
    row = raise_on(tenant)
    with pytest.raises(services.ReferralError,
                       match="Open escalations: this referral has 1 open escalation; choose"):
        finish(row.referral, tenant, "closed", close_reason="moved")
    with scopes_disabled():
        assert Referral.objects.get(pk=row.referral_id).state == "assigned"
    with pytest.raises(services.ReferralError, match="Open escalations: choose"):
        finish(row.referral, tenant, "closed", close_reason="moved", open_escalations="maybe")
    finish(row.referral, tenant, "closed", close_reason="moved", open_escalations="keep")
    assert reload(row).resolved_at is None  # kept: still in the supervisor's queue


def test_completing_can_resolve_the_open_escalations_with_the_referral(tenant, pathway):
    row = raise_on(tenant)
    with scopes_disabled():
        walk_to(row.referral, tenant, "in_service")
    with pytest.raises(services.ReferralError, match="1 open escalation"):
        finish(row.referral, tenant, "completed")
    finish(row.referral, tenant, "completed", open_escalations="resolve", note="meals done")
    row = reload(row)
    assert row.resolved_at is not None
    assert row.resolution == "Resolved with the referral: completed. meals done"
    assert row.resolved_organisation_id == tenant.cbo.pk


def test_the_transition_form_asks_about_open_escalations(tenant, pathway, login_as):
    row = raise_on(tenant)
    client = login_as(tenant.users["cbo_worker"])
    page = client.get(f"/referrals/{row.referral_id}/").content.decode()
    assert 'name="open_escalations"' in page and "Resolve them with the referral" in page
    # Only who may answer gets the resolve form: the supervisor, not the worker.
    resolve = f'action="/referrals/escalation/{row.pk}/resolve/"'
    assert resolve not in page
    assert resolve in login_as(tenant.users["cbo_supervisor"]).get(
        f"/referrals/{row.referral_id}/").content.decode()
    with scopes_disabled():
        version = Referral.objects.get(pk=row.referral_id).version
    url = f"/referrals/{row.referral_id}/transition/"
    refused = client.post(url, {"version": version, "target": "closed", "close_reason": "moved"},
                          HTTP_HX_REQUEST="true")
    assert refused.status_code == 400 and b"1 open escalation" in refused.content
    done = client.post(url, {"version": version, "target": "closed", "close_reason": "moved",
                             "open_escalations": "resolve"}, HTTP_HX_REQUEST="true")
    assert done.status_code == 200
    assert reload(row).resolution == "Resolved with the referral: closed (moved)."


def test_rerouting_moves_a_cbo_level_escalation_to_the_new_cbo(tenant, pathway, login_as):
    from carehub.tenancy.models import NetworkMember, Organisation

    row = raise_on(tenant)
    with scopes_disabled():
        second = Organisation.objects.create(kind="cbo", name="Alpha Second", slug="alpha-2",
                                             legal_name="Alpha Second Inc.")
        NetworkMember.objects.create(network=tenant.hub.networks.first(), cbo=second,
                                     status="accepted", onboarded_by_hub=True)
        Contract.objects.get(code="T-ESC").delivering_cbos.add(second)
        referral = Referral.objects.get(pk=row.referral_id)
        services.reroute(referral, referral.version, second,
                         reason="the first CBO closed its waitlist",
                         acting=acting_as(tenant.users["hub_coordinator"], tenant.hub))
        new_supervisor = make_user("Second-super", second, "cbo_supervisor")
    link = f"/referrals/escalation/{row.pk}/"
    assert link not in queue_page(login_as, tenant.users["cbo_supervisor"])[1]
    assert link in queue_page(login_as, new_supervisor)[1]
