"""The feedback log: dispositions say where or why, an item closes only when answered and
the CBO user who sent it is told, a CBO sees only its own items, a plan member is named
only to those who may see them, exports follow the same rules, others get 404."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from carehub.audit.models import AuditEvent
from carehub.notifications.models import Notification
from carehub.reporting.models.voice import FeedbackItem
from carehub.reporting.services import voice as service
from carehub.tenancy.models import NetworkMember
from tests.integration.conftest import acting_as, make_org, make_user, signed_in

pytestmark = pytest.mark.django_db


def hub_item(tenant, **fields) -> FeedbackItem:
    values = {"source": "member", "topic": "Meal delivery times",
              "text": "Meals arrive after dark.", "received_on": date(2026, 11, 2), **fields}
    return service.submit_feedback(acting=acting_as(tenant.users["hub_coordinator"]),
                                   owner=tenant.hub, **values)


def cbo_sends(tenant, client=None, **fields):
    client = client or signed_in(tenant.users["cbo_supervisor"])
    return client.post(reverse("reporting:voice_feedback_create"), {
        "owner": tenant.hub.pk, "source": "cbo", "topic": "Referral volume",
        "text": "We get referrals for areas we do not serve.", "received_on": "2026-11-20",
        **fields})


def test_incorporated_needs_where_and_not_incorporated_needs_why(tenant):
    item = hub_item(tenant)
    client = signed_in(tenant.users["hub_admin"])
    url = reverse("reporting:voice_feedback_disposition", args=[item.pk])
    refused = client.post(url, {"disposition": "incorporated", "where": " "})
    assert refused.status_code == 400
    assert "Where incorporated" in refused.content.decode()
    refused = client.post(url, {"disposition": "not_incorporated", "why": ""})
    assert refused.status_code == 400
    assert "Why not incorporated" in refused.content.decode()
    item.refresh_from_db()
    assert item.disposition == "open"
    # The service refuses too, whatever the form.
    with pytest.raises(service.VoiceError, match="why not incorporated"):
        service.set_disposition(item, acting=acting_as(tenant.users["hub_admin"]),
                                disposition="not_incorporated")
    assert client.post(url, {"disposition": "incorporated",
                             "where": "Delivery schedule, DEMO-MEALS workflow v3"}).status_code == 302
    item.refresh_from_db()
    assert (item.disposition, item.incorporated_where) == (
        "incorporated", "Delivery schedule, DEMO-MEALS workflow v3")
    assert not item.closed


def test_the_answer_closes_the_item_and_tells_the_cbo_user_who_sent_it(tenant):
    supervisor = tenant.users["cbo_supervisor"]
    assert cbo_sends(tenant).status_code == 302
    item = FeedbackItem.objects.get(topic="Referral volume")
    assert (item.owner, item.cbo, item.submitted_by) == (tenant.hub, tenant.cbo, supervisor)
    hub = signed_in(tenant.users["hub_admin"])
    answer_url = reverse("reporting:voice_feedback_answer", args=[item.pk])
    early = hub.post(answer_url, {"answer": "Thanks", "answered_on": "2026-11-25",
                                  "channel": "platform"})
    assert early.status_code == 400 and "record the disposition before answering" in early.content.decode()
    hub.post(reverse("reporting:voice_feedback_disposition", args=[item.pk]), {
        "disposition": "not_incorporated",
        "why": "The service area is set by the contract until renewal."})
    assert hub.post(answer_url, {"answer": "We raised it for the renewal.",
                                 "answered_on": "2026-11-25", "channel": "platform"}).status_code == 302
    item.refresh_from_db()
    assert item.closed and item.answered_on == date(2026, 11, 25)
    with scopes_disabled():
        notice = Notification.objects.get(recipient=supervisor, kind="feedback_answered")
    assert notice.link == reverse("reporting:voice_feedback_item", args=[item.pk])
    page = signed_in(supervisor).get(notice.link).content.decode()
    assert "We raised it for the renewal." in page
    assert "The service area is set by the contract until renewal." in page
    assert "Save disposition" not in page


def test_a_cbo_sees_only_the_items_it_sent(tenant):
    other_cbo = make_org("cbo", "Alpha Shelter")
    with scopes_disabled():
        NetworkMember.objects.create(network=tenant.hub.networks.get(), cbo=other_cbo,
                                     status="accepted", onboarded_by_hub=True)
    other_supervisor = make_user("alpha-shelter-super", other_cbo, "cbo_supervisor")
    cbo_sends(tenant, signed_in(other_supervisor), topic="Shelter beds")
    theirs = FeedbackItem.objects.get(topic="Shelter beds")
    hub_only = hub_item(tenant)
    mine = signed_in(tenant.users["cbo_supervisor"])
    listing = mine.get(reverse("reporting:voice_feedback")).content.decode()
    assert "Shelter beds" not in listing and "Meal delivery times" not in listing
    for pk in (theirs.pk, hub_only.pk):
        assert mine.get(reverse("reporting:voice_feedback_item", args=[pk])).status_code == 404
    # A CBO never records a disposition or an answer, even on its own item.
    cbo_sends(tenant, mine)
    own = FeedbackItem.objects.get(topic="Referral volume", cbo=tenant.cbo)
    assert mine.post(reverse("reporting:voice_feedback_disposition", args=[own.pk]),
                     {"disposition": "in_review"}).status_code == 404
    # CBO workers have no feedback pages.
    assert signed_in(tenant.users["cbo_worker"]).get(
        reverse("reporting:voice_feedback")).status_code == 404


def test_a_member_is_named_only_to_those_who_may_see_them(tenant):
    item = hub_item(tenant, member=tenant.member, cbo=tenant.cbo, who="")
    name = f"Ada {tenant.member.last_name}"
    hub_page = signed_in(tenant.users["hub_admin"]).get(
        reverse("reporting:voice_feedback_item", args=[item.pk])).content.decode()
    assert name in hub_page
    with scopes_disabled():
        assert AuditEvent.objects.filter(object_type="feedback_list", member_id=tenant.member.pk,
                                         organisation=tenant.hub).exists()
    cbo = signed_in(tenant.users["cbo_supervisor"])
    for url in (reverse("reporting:voice_feedback_item", args=[item.pk]),
                reverse("reporting:voice_feedback")):
        page = cbo.get(url).content.decode()
        assert "A plan member" in page
        assert tenant.member.last_name not in page and tenant.member.member_id not in page
    exported = cbo.get(reverse("reporting:voice_feedback_download", args=["csv"])).content.decode()
    assert "A plan member" in exported and tenant.member.last_name not in exported


def test_a_member_id_the_user_may_not_see_is_refused(tenant, other_tenant):
    answer = signed_in(tenant.users["hub_admin"]).post(reverse("reporting:voice_feedback_create"), {
        "source": "member", "member_id": other_tenant.member.member_id, "topic": "Rides",
        "text": "No rides on Sunday.", "received_on": "2026-11-20"})
    assert answer.status_code == 400
    assert "Plan member id" in answer.content.decode()
    assert "no member with this plan member id that you may see" in answer.content.decode()
    assert not FeedbackItem.objects.filter(topic="Rides").exists()


def test_filters_and_their_export(tenant):
    hub_item(tenant, topic="Meal delivery times")
    answered = hub_item(tenant, topic="Housing forms", source="other", who="Town hall attendee")
    acting = acting_as(tenant.users["hub_admin"])
    service.set_disposition(answered, acting=acting, disposition="in_review")
    service.answer_feedback(answered, acting=acting, answer="Forms shortened next month.",
                            answered_on=date(2026, 11, 30), channel="meeting")
    client = signed_in(tenant.users["hub_coordinator"])
    url = reverse("reporting:voice_feedback")
    assert "Housing forms" not in client.get(url, {"unanswered": "on"}).content.decode()
    assert "Meal delivery times" in client.get(url, {"unanswered": "on"}).content.decode()
    only_other = client.get(url, {"source": "other"}).content.decode()
    assert "Housing forms" in only_other and "Meal delivery times" not in only_other
    assert "Housing forms" in client.get(url, {"topic": "housing"}).content.decode()
    assert "Housing forms" not in client.get(url, {"disposition": "open"}).content.decode()
    book = load_workbook(io.BytesIO(client.get(
        reverse("reporting:voice_feedback_download", args=["xlsx"]), {"source": "other"}).content))
    rows = list(book["feedback"].iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][2] == "Town hall attendee" and rows[1][9] == "Forms shortened next month."
    assert rows[1][12] == "closed"
    assert book["Definitions"]["A3"].value == "Closed"


def test_another_organisation_gets_404(tenant, other_tenant):
    item = hub_item(tenant)
    for role in ("hub_admin", "payer_manager", "cbo_supervisor"):
        client = signed_in(other_tenant.users[role])
        assert client.get(reverse("reporting:voice_feedback_item", args=[item.pk])).status_code == 404
        listing = client.get(reverse("reporting:voice_feedback"))
        assert listing.status_code == 200 and "Meal delivery times" not in listing.content.decode()
        for name, data in (("voice_feedback_disposition", {"disposition": "in_review"}),
                           ("voice_feedback_answer", {"answer": "x", "answered_on": "2026-11-30",
                                                      "channel": "email"})):
            assert client.post(reverse(f"reporting:{name}", args=[item.pk]), data).status_code == 404
    item.refresh_from_db()
    assert item.disposition == "open" and not item.closed


def test_a_cbo_sends_only_to_hubs_it_works_with(tenant, other_tenant):
    answer = cbo_sends(tenant, owner=other_tenant.hub.pk)
    assert answer.status_code == 400
    assert not FeedbackItem.objects.exists()


def test_feedback_logged_by_hub_staff_tells_no_one_when_answered(tenant):
    item = hub_item(tenant, source="cbo", cbo=tenant.cbo, who="Pantry manager, by phone")
    acting = acting_as(tenant.users["hub_admin"])
    service.set_disposition(item, acting=acting, disposition="in_review")
    service.answer_feedback(item, acting=acting, answer="Called back.",
                            answered_on=date(2026, 11, 30), channel="phone")
    with scopes_disabled():
        assert not Notification.objects.filter(kind="feedback_answered").exists()
