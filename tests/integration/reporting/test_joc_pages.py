"""JOC pages: who may see them (parties, by role; everyone else 404), and the flow a hub
follows: plan, prepare, hold, send."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.notifications.models import Notification
from carehub.reporting.models.joc import ActionItem, CaseConferenceEntry, Meeting
from tests.integration.reporting.joc_world import NOW, build, story_consent

pytestmark = pytest.mark.django_db


def meeting_pages(w) -> list[str]:  # type: ignore[no-untyped-def]
    pk = w.meeting.pk
    return [reverse("reporting:joc_committee", args=[w.committee.pk]),
            reverse("reporting:joc_meeting", args=[pk]),
            reverse("reporting:joc_prepare", args=[pk]),
            reverse("reporting:joc_hold", args=[pk]),
            reverse("reporting:joc_pack", args=[pk]),
            reverse("reporting:joc_pack_pdf", args=[pk]),
            reverse("reporting:joc_actions_download", args=[pk, "csv"]),
            reverse("reporting:joc_barriers_download", args=[pk, "xlsx"])]


def posts(w) -> list[str]:  # type: ignore[no-untyped-def]
    pk = w.meeting.pk
    return [reverse("reporting:joc_send", args=[pk]),
            reverse("reporting:joc_pack_start", args=[pk]),
            reverse("reporting:joc_action_close", args=[pk, 1]),
            reverse("reporting:joc_conference_note", args=[pk, 1])]


def test_another_organisation_gets_404_on_every_page(tenant, other_tenant, login_as):
    w = build(tenant)
    for role in ("hub_admin", "payer_manager", "cbo_supervisor"):
        client = login_as(other_tenant.users[role])
        for url in meeting_pages(w):
            assert client.get(url).status_code == 404, (role, url)
        for url in posts(w):
            assert client.post(url).status_code == 404, (role, url)
        page = client.get(reverse("reporting:joc_committees"))
        assert page.status_code == 200
        assert "T-JOC committee" not in page.content.decode()


def test_parties_read_and_roles_outside_the_committee_get_404(tenant, login_as):
    w = build(tenant)
    for role in ("hub_admin", "hub_coordinator", "payer_manager", "payer_analyst",
                 "cbo_supervisor"):
        client = login_as(tenant.users[role])
        page = client.get(reverse("reporting:joc_pack", args=[w.meeting.pk]))
        assert page.status_code == 200, role
        assert "T-JOC committee" in page.content.decode()
    for role in ("cbo_worker", "auditor"):
        client = login_as(tenant.users[role])
        assert client.get(reverse("reporting:joc_committees")).status_code == 404
        assert client.get(reverse("reporting:joc_pack", args=[w.meeting.pk])).status_code == 404


def test_a_cbo_not_on_the_committee_does_not_see_it(tenant, login_as):
    w = build(tenant)
    with scopes_disabled():
        w.committee.members.filter(organisation=tenant.cbo).delete()
        w.committee.parties.filter(organisation=tenant.cbo).delete()
    client = login_as(tenant.users["cbo_supervisor"])
    assert client.get(reverse("reporting:joc_prepare", args=[w.meeting.pk])).status_code == 404
    assert "T-JOC" not in client.get(reverse("reporting:joc_committees")).content.decode()


def test_readers_cannot_write(tenant, login_as):
    w = build(tenant)
    for role in ("payer_analyst", "cbo_supervisor"):
        client = login_as(tenant.users[role])
        answer = client.post(reverse("reporting:joc_hold", args=[w.meeting.pk]),
                             {"form": "minutes", "data_notes": "x"})
        assert answer.status_code == 404, role
        assert client.post(reverse("reporting:joc_send", args=[w.meeting.pk])).status_code == 404
    with scopes_disabled():
        assert Meeting.objects.get(pk=w.meeting.pk).data_notes == ""


def test_hub_prepares_holds_and_sends(tenant, login_as, mailoutbox,
                                      django_capture_on_commit_callbacks):
    w = build(tenant)
    story_consent(tenant, w.members["active"])
    client = login_as(tenant.users["hub_admin"])
    pk = w.meeting.pk
    committee = client.get(reverse("reporting:joc_committee", args=[w.committee.pk]))
    body = committee.content.decode()
    assert "Monthly, second Tuesday" in body and "Administrative lead" in body
    prepare = client.get(reverse("reporting:joc_prepare", args=[pk])).content.decode()
    assert "Process improvements and program updates" in prepare
    assert "open escalation: transportation" in prepare
    answer = client.post(reverse("reporting:joc_prepare", args=[pk]), {
        "form": "story", "member": w.members["active"].pk, "told_by": "Frontline worker",
        "title": "Back in her kitchen", "text": "Meals arrive every day; she cooks again."})
    assert answer.status_code == 302
    answer = client.post(reverse("reporting:joc_prepare", args=[pk]), {
        "form": "conference", "members": [w.members["escalated"].pk, w.members["engaging"].pk]})
    assert answer.status_code == 302
    with scopes_disabled():
        assert CaseConferenceEntry.objects.filter(meeting_id=pk).count() == 2
    with scopes_disabled():
        present = [m.pk for m in w.committee.members.all() if m.user_id
                   and m.user_id != tenant.users["cbo_supervisor"].pk]
    answer = client.post(reverse("reporting:joc_hold", args=[pk]), {
        "form": "minutes", "data_notes": "Outreach is near its goal.", "present": present})
    assert answer.status_code == 302
    answer = client.post(reverse("reporting:joc_hold", args=[pk]), {
        "form": "action", "text": "Fix the ride vendor", "owner": tenant.users["hub_admin"].pk,
        "due_on": (NOW + timedelta(days=20)).date().isoformat()})
    assert answer.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("reporting:joc_send", args=[pk]))
    assert answer.status_code == 302
    with scopes_disabled():
        meeting = Meeting.objects.get(pk=pk)
        assert meeting.status == "sent"
        told = set(Notification.objects.filter(kind="joc_pack_sent")
                   .values_list("recipient__username", flat=True))
    # Core team (hub admin is the sender, so not told) and the absent CBO supervisor.
    assert told == {tenant.users["payer_manager"].username, tenant.users["cbo_supervisor"].username}
    assert any("outside@example.org" in m.to for m in mailoutbox)
    pack = client.get(reverse("reporting:joc_pack", args=[pk])).content.decode()
    assert "Back in her kitchen" in pack and "Fix the ride vendor" in pack
    assert w.members["active"].last_name not in pack


def test_bad_action_names_the_field_and_saves_nothing(tenant, login_as):
    w = build(tenant)
    client = login_as(tenant.users["hub_admin"])
    answer = client.post(reverse("reporting:joc_hold", args=[w.meeting.pk]),
                         {"form": "action", "text": "Call back", "due_on": "not a date"})
    assert answer.status_code == 400
    body = answer.content.decode()
    assert "Every action item needs an owner." in body and "Enter a valid date." in body
    with scopes_disabled():
        assert not ActionItem.objects.exists()


def test_conference_notes_are_audited_with_the_member(tenant, login_as):
    w = build(tenant)
    client = login_as(tenant.users["hub_admin"])
    client.post(reverse("reporting:joc_prepare", args=[w.meeting.pk]),
                {"form": "conference", "members": [w.members["escalated"].pk]})
    with scopes_disabled():
        entry = CaseConferenceEntry.objects.get()
    answer = client.post(reverse("reporting:joc_conference_note", args=[w.meeting.pk, entry.pk]),
                         {"note": "Vendor to be replaced", "follow_up": "Hub by Friday"},
                         HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and "Saved." in answer.content.decode()
    with scopes_disabled():
        events = AuditEvent.objects.filter(object_type="joc_conference",
                                           member_id=str(w.members["escalated"].pk))
        assert events.filter(action="update").exists()
        assert events.filter(action="create").exists()
        assert CaseConferenceEntry.objects.get().note == "Vendor to be replaced"
