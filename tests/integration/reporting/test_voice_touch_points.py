"""The touch-point log warns before the same people are asked about the same topic within
the window, shows what they already said, and saves only when confirmed (flagged)."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import override_settings
from django.urls import reverse

from carehub.reporting.models.voice import TouchPoint
from carehub.reporting.services import voice as service
from tests.integration.conftest import acting_as, signed_in
from tests.integration.reporting.voice_setup import hub_council

pytestmark = pytest.mark.django_db

URL = "reporting:voice_touch_point_create"


def earlier(tenant, members=(), **fields) -> TouchPoint:
    values = {"topic": "Meal delivery times", "questions": "What time suits you?",
              "channel": "survey", "held_on": date(2026, 10, 1), "asked_by": "Hub team", **fields}
    return service.record_touch_point(acting=acting_as(tenant.users["hub_admin"]),
                                      council_members=list(members), **values)


def form(**fields):
    return {"topic": "Delivery windows", "questions": "Would evenings work?",
            "channel": "listening_session", "held_on": "2026-11-20", "asked_by": "Hub team",
            **fields}


def test_same_people_same_topic_within_the_window_warns_then_saves_when_confirmed(tenant):
    _, members = hub_council(tenant)
    first = earlier(tenant, members[:3])
    service.submit_feedback(acting=acting_as(tenant.users["hub_admin"]), owner=tenant.hub,
                            source="council", topic="Meal times", text="Evenings please",
                            received_on=date(2026, 10, 2), touch_point=first)
    client = signed_in(tenant.users["hub_admin"])
    warned = client.post(reverse(URL), form(council_members=[members[2].pk, members[4].pk]))
    assert warned.status_code == 409
    page = warned.content.decode()
    assert "Warning: these people were asked about this in the last 90 days" in page
    assert "council members Consumer 2" in page and "2026-10-01" in page
    assert "Meal times" in page and "not answered" in page
    assert TouchPoint.objects.count() == 1
    confirmed = client.post(reverse(URL), form(council_members=[members[2].pk, members[4].pk],
                                               confirm="True"))
    assert confirmed.status_code == 302
    saved = TouchPoint.objects.latest("pk")
    assert saved.confirmed_despite_recent_ask
    assert set(saved.council_members.all()) == {members[2], members[4]}


def test_the_same_cbo_or_the_same_group_label_warns(tenant):
    earlier(tenant, cbo=tenant.cbo)
    earlier(tenant, group_label="DEMO-MEALS enrolled members", held_on=date(2026, 9, 1))
    client = signed_in(tenant.users["hub_admin"])
    assert client.post(reverse(URL), form(cbo=tenant.cbo.pk)).status_code == 409
    assert client.post(reverse(URL), form(group_label="demo-meals enrolled members")).status_code == 409


def test_a_different_topic_does_not_warn(tenant):
    _, members = hub_council(tenant)
    earlier(tenant, members[:5])
    answer = signed_in(tenant.users["hub_admin"]).post(
        reverse(URL), form(topic="Housing navigation", council_members=[members[0].pk]))
    assert answer.status_code == 302
    assert not TouchPoint.objects.latest("pk").confirmed_despite_recent_ask


def test_different_people_do_not_warn(tenant):
    _, members = hub_council(tenant)
    earlier(tenant, members[:2])
    answer = signed_in(tenant.users["hub_admin"]).post(
        reverse(URL), form(council_members=[members[3].pk], group_label="Seniors in Erie"))
    assert answer.status_code == 302


def test_outside_the_window_does_not_warn_and_the_window_is_a_setting(tenant):
    earlier(tenant, cbo=tenant.cbo, held_on=date(2026, 8, 21))  # 91 days before 2026-11-20
    client = signed_in(tenant.users["hub_admin"])
    assert client.post(reverse(URL), form(cbo=tenant.cbo.pk)).status_code == 302
    with override_settings(CAREHUB_VOICE_REPEAT_ASK_DAYS=120):
        assert client.post(reverse(URL), form(cbo=tenant.cbo.pk, held_on="2026-11-21",
                                              topic="Meal delivery")).status_code == 409


def test_a_touch_point_must_name_who_was_asked_and_only_consenting_members(tenant):
    _, members = hub_council(tenant, consumers=0, others=1)  # Partner 0 has not consented
    client = signed_in(tenant.users["hub_admin"])
    answer = client.post(reverse(URL), form())
    assert answer.status_code == 400 and "Who was asked" in answer.content.decode()
    with pytest.raises(service.VoiceError, match="has not consented to be contacted"):
        earlier(tenant, members)
    refused = client.post(reverse(URL), form(council_members=[members[0].pk]))
    assert refused.status_code == 400
    assert not TouchPoint.objects.exists()


def test_touch_points_are_404_to_another_organisation_and_export(tenant, other_tenant):
    earlier(tenant, group_label="Erie seniors group")
    other = signed_in(other_tenant.users["hub_admin"])
    assert "Erie seniors group" not in other.get(
        reverse("reporting:voice_touch_points")).content.decode()
    assert "Erie seniors" not in other.get(
        reverse("reporting:voice_touch_points_download", args=["csv"])).content.decode()
    assert signed_in(tenant.users["cbo_supervisor"]).get(
        reverse("reporting:voice_touch_points")).status_code == 404
    exported = signed_in(tenant.users["hub_coordinator"]).get(
        reverse("reporting:voice_touch_points_download", args=["csv"])).content.decode()
    assert exported.splitlines()[0].startswith("Date,Topic,Channel,Council members asked")
    assert "2026-10-01,Meal delivery times,Survey,,,Erie seniors group" in exported
