from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.network.models import Service, ServiceType
from carehub.network.selectors import services_for_routing
from carehub.tenancy.models import NetworkMember, Organisation


def service(org: Organisation, name: str, **fields: Any) -> Service:
    with scopes_disabled():
        return Service.objects.create(organisation=org, name=name,
                                      service_type=ServiceType.objects.get(slug=fields.pop("slug", "nutrition")),
                                      **fields)


@pytest.mark.django_db
def test_thirteen_service_types_with_stable_slugs() -> None:
    assert list(ServiceType.objects.order_by("position").values_list("slug", flat=True))[:13] == [
        "hrsn-assessment", "nutrition", "care-coordination", "care-management", "tenancy-support",
        "diabetes-prevention", "diabetes-self-management", "civil-legal", "medical-respite",
        "home-care", "caregiver-support", "transportation", "transition-support"]


@pytest.mark.django_db
def test_routing_orders_accepting_first_and_filters(tenant: Any, other_tenant: Any) -> None:
    with scopes_disabled():
        second = Organisation.objects.create(kind="cbo", name="Beta Meals", legal_name="B",
                                             slug="beta-meals")
        NetworkMember.objects.create(network=tenant.hub.networks.get(), cbo=second,
                                     status="accepted")
    closed = service(tenant.cbo, "Closed meals", capacity_status="closed",
                     coverage_counties=["Erie, NY"], languages=["English"])
    waiting = service(second, "Waitlist meals", capacity_status="waitlist", waitlist_length=3,
                      coverage_counties=["Erie, NY"], languages=["English", "Spanish"])
    open_ = service(second, "Open meals", coverage_zips=["14213"], coverage_counties=["Erie, NY"],
                    languages=["Spanish"])
    service(tenant.cbo, "Rides", slug="transportation", coverage_counties=["Erie, NY"])
    service(other_tenant.cbo, "Other network meals", coverage_counties=["Erie, NY"])
    service(tenant.hub, "Hub's own meals", coverage_counties=["Erie, NY"])
    with scopes_disabled():
        assert services_for_routing(tenant.hub, "nutrition", county="Erie, NY") == [
            open_, waiting, closed]
        assert services_for_routing(tenant.hub, "nutrition", zip="14213") == [open_]
        assert services_for_routing(tenant.hub, "nutrition", language="spanish") == [open_, waiting]


@pytest.mark.django_db
def test_stale_entries_flagged_and_capacity_update_verifies(tenant: Any, login_as: Any) -> None:
    meals = service(tenant.cbo, "Meals", verified_at=timezone.now() - timedelta(days=91))
    assert meals.is_stale
    client = login_as(tenant.users["cbo_supervisor"])
    assert b"Stale" in client.get(reverse("network:directory")).content
    assert b"Stale" in client.get(reverse("network:service", args=[meals.pk])).content
    response = client.post(reverse("network:capacity", args=[meals.pk]),
                           {"capacity_status": "waitlist", "waitlist_length": "7"})
    assert response.status_code == 302
    with scopes_disabled():
        meals.refresh_from_db()
    assert (meals.capacity_status, meals.waitlist_length) == ("waitlist", 7)
    assert not meals.is_stale and meals.verified_by == tenant.users["cbo_supervisor"]
    assert b"Stale" not in client.get(reverse("network:directory")).content
    response = client.post(reverse("network:capacity", args=[meals.pk]),
                           {"capacity_status": "waitlist"}, follow=True)
    assert b"waitlist&#x27;s length" in response.content or b"waitlist's length" in response.content


@pytest.mark.django_db
def test_supervisor_keeps_own_entries_hub_keeps_network(tenant: Any, login_as: Any) -> None:
    hub_service = service(tenant.hub, "Assessment", slug="hrsn-assessment")
    cbo_meals = service(tenant.cbo, "Meals")
    supervisor = login_as(tenant.users["cbo_supervisor"])
    assert supervisor.get(reverse("network:service", args=[hub_service.pk])).status_code == 200
    assert supervisor.get(reverse("network:service_edit", args=[hub_service.pk])).status_code == 404
    hub = login_as(tenant.users["hub_coordinator"])
    url = reverse("network:service_edit", args=[cbo_meals.pk])
    response = hub.post(url, {
        "organisation": tenant.cbo.pk, "service_type": cbo_meals.service_type.pk, "name": "Meals",
        "status": "active", "capacity_status": "accepting", "languages_text": "English, Polish",
        "counties_text": "Erie, NY; Niagara, NY", "zips_text": "14213 14301"})
    assert response.status_code == 302
    with scopes_disabled():
        cbo_meals.refresh_from_db()
    assert cbo_meals.languages == ["English", "Polish"]
    assert cbo_meals.coverage_counties == ["Erie, NY", "Niagara, NY"]
    response = hub.post(url, {
        "organisation": tenant.cbo.pk, "service_type": cbo_meals.service_type.pk, "name": "Meals",
        "status": "active", "capacity_status": "accepting", "zips_text": "1421"})
    assert b"Not a 5-digit zip code: 1421" in response.content
