"""The referral writers: one transaction each (an audit that fails saves nothing),
nothing added to a finished referral, and the pages that reach `complete_step` and
`assign_worker`."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.audit.models import AuditEvent
from carehub.referrals import services
from carehub.referrals.models import (
    CaseNote,
    Consent,
    EngagementVisit,
    Escalation,
    Pathway,
    Referral,
    ReferralEvent,
)
from tests.integration.referrals.conftest import acting_as, refer, walk_to

pytestmark = pytest.mark.django_db


def _finished(tenant: Any, how: str) -> Referral:
    referral = refer(tenant)
    if how == "completed":
        return walk_to(referral, tenant, "completed")
    with scopes_disabled():
        return services.transition(referral, referral.version, "closed", close_reason="moved",
                                   acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))


WRITES_ON_A_REFERRAL = {
    "note": (lambda r, a: services.add_note(r, text="called", acting=a), CaseNote, "a note"),
    "visit": (lambda r, a: services.record_visit(r, on=date.today(), kind="home_visit",
                                                 acting=a), EngagementVisit, "a visit"),
    "escalation": (lambda r, a: services.raise_escalation(r, barrier="transportation",
                                                          description="No ride", acting=a),
                   Escalation, "an escalation"),
}


@pytest.mark.parametrize("how", ["completed", "closed"])
@pytest.mark.parametrize("write", sorted(WRITES_ON_A_REFERRAL))
def test_nothing_is_added_to_a_finished_referral(tenant, contract, how, write):
    referral = _finished(tenant, how)
    call, model, what = WRITES_ON_A_REFERRAL[write]
    with scopes_disabled():
        before = AuditEvent.objects.count()
        with pytest.raises(services.ReferralError) as refused:
            call(referral, acting_as(tenant.users["cbo_worker"], tenant.cbo))
        assert str(refused.value) == (f"This referral is {how}; {what} cannot be added to a "
                                      f"finished referral.")
        assert model.objects.count() == 0
        assert AuditEvent.objects.count() == before


def test_a_referral_finished_after_the_page_was_loaded_is_refused_too(tenant, contract):
    """The writer reads the state again: a stale object still in hand does not let a note in."""
    stale = refer(tenant)
    _ = _finished_from(stale, tenant)
    with scopes_disabled(), pytest.raises(services.ReferralError, match="is closed"):
        services.add_note(stale, text="late", acting=acting_as(tenant.users["cbo_worker"],
                                                               tenant.cbo))


def _finished_from(referral: Referral, tenant: Any) -> Referral:
    with scopes_disabled():
        current = Referral.objects.get(pk=referral.pk)
        return services.transition(current, current.version, "closed", close_reason="moved",
                                   acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))


class AuditDown(RuntimeError):
    pass


@pytest.mark.parametrize("write", ["consent", "note", "visit", "resolve"])
def test_a_write_whose_audit_fails_saves_nothing(tenant, contract, monkeypatch, write):
    """Each writer runs in one transaction with its audit event: when the audit cannot be
    written, the row is not saved either."""
    referral = refer(tenant)
    worker = acting_as(tenant.users["cbo_worker"], tenant.cbo)
    with scopes_disabled():
        escalation = services.raise_escalation(referral, barrier="transportation",
                                               description="No ride", acting=worker)

    def down(*args: Any, **kwargs: Any) -> None:
        raise AuditDown("audit store unavailable")

    monkeypatch.setattr(audit, "record", down)
    with scopes_disabled():
        with pytest.raises(AuditDown):
            if write == "consent":
                services.record_consent(tenant.member, kind="data_sharing", scope="plan",
                                        given_on=date.today(), expires_on=None, acting=worker)
            elif write == "note":
                services.add_note(referral, text="called", acting=worker)
            elif write == "visit":
                services.record_visit(referral, on=date.today(), kind="home_visit",
                                      acting=worker)
            else:
                services.resolve_escalation(escalation, resolution="ride found", acting=worker)
        assert Consent.objects.count() == 0
        assert CaseNote.objects.count() == 0
        assert EngagementVisit.objects.count() == 0
        escalation.refresh_from_db()
        assert escalation.resolved_at is None and escalation.resolution == ""


def test_a_write_is_audited_for_the_acting_organisation(tenant, contract):
    referral = refer(tenant)
    with scopes_disabled():
        note = services.add_note(referral, text="called",
                                 acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))
        event = AuditEvent.objects.get(object_type="case_note", object_id=str(note.pk))
    assert (event.action, event.actor_id, event.organisation_id, event.member_id) == (
        "create", tenant.users["cbo_worker"].pk, tenant.cbo.pk, str(tenant.member.pk))


def test_the_step_done_page_completes_the_pathway_on_its_last_step(tenant, contract, login_as):
    referral = walk_to(refer(tenant), tenant, "enrolled")
    with scopes_disabled():
        pathway = services.start_pathway(
            referral, pathway="housing", steps=["call the hotline", "visit the shelter"],
            acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))
        first, second = pathway.steps.order_by("position")
    client = login_as(tenant.users["cbo_worker"])
    assert client.post(f"/referrals/step/{first.pk}/done/").status_code == 302
    with scopes_disabled():
        assert Pathway.objects.get(pk=pathway.pk).completed_on is None
    client.post(f"/referrals/step/{second.pk}/done/")
    with scopes_disabled():
        done = Pathway.objects.get(pk=pathway.pk)
        assert done.completed_on == date.today()
        assert [s.done_on for s in done.steps.order_by("position")] == [date.today()] * 2
        events = AuditEvent.objects.filter(object_type="pathway_step").order_by("pk")
        assert [(e.object_id, e.organisation_id, e.detail) for e in events] == [
            (str(first.pk), tenant.cbo.pk, {"pathway_complete": False}),
            (str(second.pk), tenant.cbo.pk, {"pathway_complete": True})]
        with pytest.raises(services.ReferralError, match="already complete"):
            services.complete_step(second, acting=acting_as(tenant.users["cbo_worker"],
                                                            tenant.cbo))


def test_a_supervisor_assigns_a_worker_of_the_cbo_only(tenant, other_tenant, contract, login_as,
                                                        second_worker):
    referral = refer(tenant)
    url = f"/referrals/{referral.pk}/assign/"
    supervisor = login_as(tenant.users["cbo_supervisor"])
    ok = supervisor.post(url, {"version": referral.version, "worker": second_worker.pk},
                         HTTP_HX_REQUEST="true")
    assert ok.status_code == 200 and b"Saved." in ok.content
    with scopes_disabled():
        current = Referral.objects.get(pk=referral.pk)
        assert current.assignee_id == second_worker.pk
        assert ReferralEvent.objects.filter(referral=referral, kind="assigned",
                                            note="worker: Alpha-Worker2 Tester").exists()
    stranger = other_tenant.users["cbo_worker"]
    refused = supervisor.post(url, {"version": current.version, "worker": stranger.pk},
                              HTTP_HX_REQUEST="true")
    assert refused.status_code == 400
    assert b"Omega-Worker Tester does not work for Alpha Pantry." in refused.content
    worker = login_as(tenant.users["cbo_worker"])
    denied = worker.post(url, {"version": current.version, "worker": ""}, HTTP_HX_REQUEST="true")
    assert b"Only a supervisor assigns work to others." in denied.content
    with scopes_disabled():
        assert Referral.objects.get(pk=referral.pk).assignee_id == second_worker.pk
