"""A member story rests on a current story-sharing consent and never identifies the
member: refused otherwise, with the reason, and nothing saved."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.referrals.models import Consent
from carehub.reporting.models.joc import MemberStory
from carehub.reporting.services import joc as services
from tests.integration.conftest import acting_as
from tests.integration.reporting.joc_world import build, story_consent

pytestmark = pytest.mark.django_db
TEXT = "Meals arrive every day and she cooks for her grandchildren again."


def add(w, member, text=TEXT):  # type: ignore[no-untyped-def]
    with scope(organisation=w.tenant.hub.pk):
        return services.add_story(w.meeting, acting=acting_as(w.tenant.users["hub_admin"]),
                                  member=member, told_by="Frontline worker", title="Home again",
                                  text=text)


@pytest.mark.parametrize("consent", [
    None,
    {"revoked_at": timezone.now() - timedelta(days=1)},
    {"expires_on": date(2025, 12, 31)},
    {"given_on": date(2099, 1, 1)},
    {"kind": "data_sharing"},
])
def test_without_a_current_story_consent_the_story_is_refused(tenant, consent):
    w = build(tenant)
    m = w.members["active"]
    if consent is not None:
        fields = dict(consent)
        kind = fields.pop("kind", "story_sharing")
        with scopes_disabled():
            Consent.objects.create(member=m, organisation=tenant.cbo, kind=kind, scope="x",
                                   given_on=fields.pop("given_on", date(2026, 1, 1)), **fields)
    with pytest.raises(ValidationError) as refused:
        add(w, m)
    assert "no current story-sharing consent" in str(refused.value.message_dict["member"])
    with scopes_disabled():
        assert not MemberStory.objects.exists()


def test_with_a_current_consent_the_story_is_kept_and_audited(tenant):
    w = build(tenant)
    m = w.members["active"]
    consent = story_consent(tenant, m, expires_on=date(2099, 1, 1))
    story = add(w, m)
    assert story.consent_id == consent.pk
    with scopes_disabled():
        assert AuditEvent.objects.filter(object_type="joc_story", member_id=str(m.pk)).exists()


def test_a_story_naming_the_member_is_refused_with_the_words(tenant, login_as):
    w = build(tenant)
    m = w.members["active"]
    story_consent(tenant, m)
    client = login_as(tenant.users["hub_admin"])
    answer = client.post(reverse("reporting:joc_prepare", args=[w.meeting.pk]), {
        "form": "story", "member": m.pk, "told_by": "Worker", "title": "Home",
        "text": f"{m.first_name} called us on 716-555-0199 from {m.member_id}."})
    assert answer.status_code == 400
    body = answer.content.decode()
    assert "The story identifies the member" in body
    assert "the member&#x27;s first name" in body and "a phone number" in body
    assert "the member&#x27;s plan member id" in body
    with scopes_disabled():
        assert not MemberStory.objects.exists()


def test_only_consenting_members_are_offered_and_the_pack_hides_the_member(tenant, login_as):
    w = build(tenant)
    consenting = w.members["active"]
    story_consent(tenant, consenting)
    client = login_as(tenant.users["hub_admin"])
    page = client.get(reverse("reporting:joc_prepare", args=[w.meeting.pk])).content.decode()
    form_part = page.split('name="member"')[1].split("</select>")[0]
    assert consenting.member_id in form_part
    assert w.members["overdue"].member_id not in form_part
    # A member of another organisation cannot be posted in.
    answer = client.post(reverse("reporting:joc_prepare", args=[w.meeting.pk]), {
        "form": "story", "member": w.members["overdue"].pk, "told_by": "W", "title": "T",
        "text": TEXT})
    assert answer.status_code == 400
    add(w, consenting)
    pack = client.get(reverse("reporting:joc_pack", args=[w.meeting.pk])).content.decode()
    assert TEXT in pack
    assert consenting.member_id not in pack.split("Member story")[1].split("Data presentation")[0]
    assert consenting.last_name not in pack
