from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_reading_a_member_is_audited_with_the_member_id(tenant, login_as):
    client = login_as(tenant.users["payer_manager"])
    page = client.get(reverse("members:detail", args=[tenant.member.pk]))
    assert page.status_code == 200 and b"Ada" in page.content
    with scopes_disabled():
        event = AuditEvent.objects.filter(action="view", object_type="member").get()
    assert event.member_id == str(tenant.member.pk)
    assert event.organisation == tenant.payer
    assert event.actor == tenant.users["payer_manager"]
    assert event.request_id and event.ip == "127.0.0.1"


def test_member_list_is_audited(tenant, login_as):
    client = login_as(tenant.users["hub_coordinator"])
    page = client.get(reverse("members:list"))
    assert tenant.member.last_name in page.content.decode()
    with scopes_disabled():
        event = AuditEvent.objects.get(object_type="member_list")
    assert event.detail["member_ids"] == [tenant.member.pk]


def test_cbo_sees_no_member_until_referred(tenant, login_as):
    client = login_as(tenant.users["cbo_worker"])
    assert client.get(reverse("members:detail", args=[tenant.member.pk])).status_code == 404
    assert tenant.member.last_name not in client.get(reverse("members:list")).content.decode()


def test_member_pages_show_contact_details_and_stay_audited(tenant, login_as):
    with scopes_disabled():
        member = tenant.member
        member.phone, member.phone_alt, member.email = "7165550142", "5855550100", "ada@example.org"
        member.save()
    client = login_as(tenant.users["hub_coordinator"])
    listed = client.get(reverse("members:list")).content.decode()
    assert '<th scope="col">Phone</th>' in listed
    assert '<a href="tel:+17165550142">(716) 555-0142</a>' in listed
    detail = client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert "(716) 555-0142" in detail and "(585) 555-0100" in detail
    assert 'href="mailto:ada@example.org"' in detail
    with scopes_disabled():
        assert AuditEvent.objects.filter(object_type="member_list").count() == 1
        assert AuditEvent.objects.filter(action="view", object_type="member",
                                         member_id=str(member.pk)).count() == 1
