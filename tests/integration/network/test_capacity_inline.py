"""Capacity edited in place from the directory list (htmx), audited, kept to editors."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.network.models import Service, ServiceType

HX = {"HTTP_HX_REQUEST": "true"}


def make_service(org: Any, name: str) -> Service:
    with scopes_disabled():
        return Service.objects.create(organisation=org, name=name,
                                      service_type=ServiceType.objects.get(slug="nutrition"))


@pytest.mark.django_db
def test_supervisor_updates_capacity_from_the_directory(tenant: Any, login_as: Any) -> None:
    own, hubs = make_service(tenant.cbo, "Meals"), make_service(tenant.hub, "Assessment")
    client = login_as(tenant.users["cbo_supervisor"])
    page = client.get(reverse("network:directory")).content.decode()
    assert f'hx-post="{reverse("network:capacity", args=[own.pk])}"' in page
    assert reverse("network:capacity", args=[hubs.pk]) not in page  # the hub's: read-only

    url = reverse("network:capacity", args=[own.pk])
    cell = client.post(url, {"capacity_status": "waitlist", "waitlist_length": "12"}, **HX)
    assert cell.status_code == 200
    body = cell.content.decode()
    assert body.startswith(f'<div id="capacity-{own.pk}"') and "Waitlist: 12" in body
    assert "saved" in body
    with scopes_disabled():
        own.refresh_from_db()
        event = AuditEvent.objects.filter(object_type="directory_service").latest("seq")
    assert (own.capacity_status, own.waitlist_length) == ("waitlist", 12)
    assert own.verified_by == tenant.users["cbo_supervisor"]
    assert sorted(event.detail["changed"]) == ["capacity_status", "waitlist_length"]

    bad = client.post(url, {"capacity_status": "waitlist", "waitlist_length": ""}, **HX)
    assert "Give the waitlist" in bad.content.decode() and "Waitlist: 12" in bad.content.decode()
    with scopes_disabled():
        own.refresh_from_db()
    assert own.waitlist_length == 12


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["cbo_worker", "payer_manager", "auditor"])
def test_inline_capacity_refused_to_readers(role: str, tenant: Any, login_as: Any) -> None:
    own = make_service(tenant.cbo, "Meals")
    client = login_as(tenant.users[role])
    assert b"network-capacity-inline" not in client.get(reverse("network:directory")).content
    response = client.post(reverse("network:capacity", args=[own.pk]),
                           {"capacity_status": "closed"}, **HX)
    assert response.status_code == 404


@pytest.mark.django_db
def test_inline_capacity_other_network_gets_404(tenant: Any, other_tenant: Any,
                                                login_as: Any) -> None:
    own = make_service(tenant.cbo, "Meals")
    for role in ("hub_admin", "cbo_supervisor"):
        response = login_as(other_tenant.users[role]).post(
            reverse("network:capacity", args=[own.pk]), {"capacity_status": "closed"}, **HX)
        assert response.status_code == 404
    with scopes_disabled():
        own.refresh_from_db()
    assert own.capacity_status == "accepting"
