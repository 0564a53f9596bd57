"""Sites (HSDS locations) and the services offered at each: who keeps them, validation,
and an audit event for every write."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.network.models import Location, Service, ServiceAtLocation, ServiceType

EDITORS = {"hub_admin", "hub_coordinator", "cbo_supervisor"}
ROLES = ["hub_admin", "hub_coordinator", "cbo_supervisor", "cbo_worker", "payer_manager",
         "payer_analyst", "auditor"]


def make_service(org: Any, name: str, slug: str = "nutrition") -> Service:
    with scopes_disabled():
        return Service.objects.create(organisation=org, name=name,
                                      service_type=ServiceType.objects.get(slug=slug))


def make_site(org: Any, name: str = "Kitchen") -> Location:
    with scopes_disabled():
        return Location.objects.create(organisation=org, name=name, address_1="1 Main St",
                                       city="Buffalo", state_province="NY", postal_code="14213")


def site_data(org: Any, *services: Service, **overrides: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "organisation": org.pk, "name": "East Side Pantry", "location_type": "physical",
        "address_1": "200 Main St", "city": "Buffalo", "state_province": "ny",
        "postal_code": "14215", "county": "Erie, NY", "phone": "716-555-0100",
        "hours": "Tuesday and Thursday, 10am to 2pm",
        "services_here": [str(s.pk) for s in services],
    }
    data.update(overrides)
    return data


def events(object_type: str) -> list[AuditEvent]:
    with scopes_disabled():
        return list(AuditEvent.objects.filter(object_type=object_type).order_by("seq"))


@pytest.mark.django_db
def test_supervisor_adds_and_edits_a_site_with_its_services(tenant: Any, login_as: Any) -> None:
    meals = make_service(tenant.cbo, "Meals")
    pantry = make_service(tenant.cbo, "Pantry boxes")
    client = login_as(tenant.users["cbo_supervisor"])
    response = client.post(reverse("network:site_new"), site_data(tenant.cbo, meals, pantry))
    assert response.status_code == 302
    with scopes_disabled():
        site = Location.objects.get(name="East Side Pantry")
        assert site.organisation == tenant.cbo and site.state_province == "NY"
        assert site.hours == "Tuesday and Thursday, 10am to 2pm"
        assert {sal.service for sal in site.services_here.all()} == {meals, pantry}
    created = events("directory_location")
    assert [(e.action, e.actor, e.organisation) for e in created] == [
        ("create", tenant.users["cbo_supervisor"], tenant.cbo)]
    assert [e.action for e in events("directory_service_at_location")] == ["create", "create"]

    page = client.get(reverse("network:sites"))
    assert b"East Side Pantry" in page.content and b"Pantry boxes" in page.content
    # Edit: new hours, pantry boxes no longer offered here.
    response = client.post(reverse("network:site_edit", args=[site.pk]),
                           site_data(tenant.cbo, meals, hours="Daily, 9am to noon"))
    assert response.status_code == 302
    with scopes_disabled():
        site.refresh_from_db()
        assert site.hours == "Daily, 9am to noon"
        assert [sal.service for sal in site.services_here.all()] == [meals]
    update = events("directory_location")[-1]
    assert update.action == "update" and update.detail["changed"] == ["hours"]
    detached = events("directory_service_at_location")[-1]
    assert detached.action == "delete" and detached.detail["service"] == str(pantry.pk)
    # The service page lists the site.
    assert b"East Side Pantry" in client.get(reverse("network:service", args=[meals.pk])).content


@pytest.mark.django_db
def test_site_form_rejects_bad_zip_county_and_foreign_services(tenant: Any, login_as: Any) -> None:
    hub_assessment = make_service(tenant.hub, "Assessment", "hrsn-assessment")
    client = login_as(tenant.users["hub_coordinator"])
    response = client.post(reverse("network:site_new"),
                           site_data(tenant.cbo, postal_code="1421", county="Erie"))
    assert b"Not a zip code: 1421" in response.content
    assert b"Write the county as Name, ST: Erie" in response.content
    response = client.post(reverse("network:site_new"), site_data(tenant.cbo, hub_assessment))
    assert response.status_code == 200 and b"Not services of Alpha Pantry: Assessment" in response.content
    response = client.post(reverse("network:site_new"), site_data(tenant.cbo, address_1=""))
    assert b"needs its street address" in response.content
    with scopes_disabled():
        assert not Location.objects.filter(name="East Side Pantry").exists()
    assert events("directory_location") == []


@pytest.mark.django_db
def test_hub_keeps_network_sites_supervisor_only_own(tenant: Any, other_tenant: Any,
                                                    login_as: Any) -> None:
    cbo_site, hub_site = make_site(tenant.cbo), make_site(tenant.hub, "Hub office")
    meals = make_service(tenant.cbo, "Meals")
    hub = login_as(tenant.users["hub_admin"])
    listing = hub.get(reverse("network:sites")).content
    assert b"Kitchen" in listing and b"Hub office" in listing
    response = hub.post(reverse("network:site_edit", args=[cbo_site.pk]),
                        site_data(tenant.cbo, meals, name="Kitchen"))
    assert response.status_code == 302
    with scopes_disabled():
        assert ServiceAtLocation.objects.filter(location=cbo_site, service=meals).exists()
    supervisor = login_as(tenant.users["cbo_supervisor"])
    assert b"Hub office" not in supervisor.get(reverse("network:sites")).content
    assert supervisor.get(reverse("network:site_edit", args=[hub_site.pk])).status_code == 404
    # The organisation of a site cannot be switched by posting another one.
    supervisor.post(reverse("network:site_edit", args=[cbo_site.pk]),
                    site_data(tenant.hub, name="Kitchen"))
    with scopes_disabled():
        cbo_site.refresh_from_db()
    assert cbo_site.organisation == tenant.cbo
    # A supervisor cannot create a site for the hub.
    response = supervisor.post(reverse("network:site_new"), site_data(tenant.hub))
    assert response.status_code == 200 and b"Select a valid choice" in response.content
    other = login_as(other_tenant.users["hub_admin"])
    assert other.get(reverse("network:site_edit", args=[cbo_site.pk])).status_code == 404
    assert other.post(reverse("network:site_edit", args=[cbo_site.pk]),
                      site_data(tenant.cbo)).status_code == 404
    assert b"Kitchen" not in other.get(reverse("network:sites")).content


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_site_pages_by_role(role: str, tenant: Any, other_tenant: Any, login_as: Any) -> None:
    site = make_site(tenant.cbo)
    for who, owner in (("own", tenant), ("other", other_tenant)):
        client = login_as(owner.users[role])
        for name, url in (("sites", reverse("network:sites")),
                          ("site_new", reverse("network:site_new")),
                          ("site_edit", reverse("network:site_edit", args=[site.pk]))):
            may = role in EDITORS and (who == "own" or name != "site_edit")
            assert client.get(url).status_code == (200 if may else 404), (who, role, name)
