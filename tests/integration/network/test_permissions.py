"""Permission matrix: every network and contracts view and HSDS endpoint, every role, own
and other organisation. Anything not allowed is 404, never 403."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.contracts.services import save_contract_details
from carehub.network.models import Location, Service, ServiceAtLocation, ServiceType
from tests.integration.conftest import acting_as
from tests.integration.contracts.factories import make_contract

ROLES = ["hub_admin", "hub_coordinator", "cbo_supervisor", "cbo_worker", "payer_manager",
         "payer_analyst", "auditor"]
HUB = {"hub_admin", "hub_coordinator", "auditor"}  # the fixture's auditor works for the hub
CBO = {"cbo_supervisor", "cbo_worker"}
EVERYONE = set(ROLES)


def cbo_service(tenant: Any) -> Service:
    with scopes_disabled():
        service = Service.objects.create(
            organisation=tenant.cbo, service_type=ServiceType.objects.get(slug="nutrition"),
            name="Meals", coverage_counties=["Erie, NY"], languages=["English"])
        site = Location.objects.create(organisation=tenant.cbo, name="Kitchen", address_1="1 Main St",
                                       city="Buffalo", state_province="NY", postal_code="14213")
        ServiceAtLocation.objects.create(service=service, location=site)
    return service


# (name, method, url builder, roles of the owning tenant that get 200/302)
def cases(service: Service, code: str) -> list[tuple[str, str, str, set[str]]]:
    return [
        ("directory", "get", reverse("network:directory"), EVERYONE),
        ("service", "get", reverse("network:service", args=[service.pk]), HUB | CBO),
        ("service_edit", "get", reverse("network:service_edit", args=[service.pk]),
         {"hub_admin", "hub_coordinator", "cbo_supervisor"}),
        ("service_new", "get", reverse("network:service_new"),
         {"hub_admin", "hub_coordinator", "cbo_supervisor"}),
        ("capacity", "post", reverse("network:capacity", args=[service.pk]),
         {"hub_admin", "hub_coordinator", "cbo_supervisor"}),
        ("hsds_service", "get", f"/api/hsds/services/{service.pk}", HUB | CBO),
        ("contracts", "get", reverse("contracts:list"), EVERYONE),
        ("contract_new", "get", reverse("contracts:new"), {"hub_admin", "payer_manager"}),
        ("contract", "get", reverse("contracts:detail", args=[code]), EVERYONE),
        ("checklist", "get", reverse("contracts:checklist", args=[code]), EVERYONE),
        ("terms", "get", reverse("contracts:terms", args=[code]), EVERYONE),
        ("scope", "get", reverse("contracts:scope", args=[code]), {"hub_admin", "payer_manager"}),
        ("stage", "post", reverse("contracts:stage", args=[code]), {"hub_admin", "payer_manager"}),
        ("task_add", "post", reverse("contracts:task_add", args=[code]),
         {"hub_admin", "payer_manager"}),
        ("credentials", "get", reverse("contracts:credentials"), {"hub_admin", "cbo_supervisor"}),
    ]


# Pages whose content is filtered to the acting organisation, not refused.
LISTS = {"directory", "contracts", "contract_new", "service_new", "credentials"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(role: str, tenant: Any, other_tenant: Any, login_as: Any) -> None:
    service = cbo_service(tenant)
    contract = make_contract(tenant)
    for who, owner in (("own", tenant), ("other", other_tenant)):
        client = login_as(owner.users[role])
        for name, method, url, allowed in cases(service, contract.code):
            data = {"stage": "scoping", "capacity_status": "accepting"} if method == "post" else None
            response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
            may = role in allowed and (who == "own" or name in LISTS)
            expected = {200, 302} if may else {404}
            assert response.status_code in expected, (who, role, name, response.status_code)


@pytest.mark.django_db
def test_delivering_cbo_reads_contract_but_cannot_edit(tenant: Any, login_as: Any) -> None:
    contract = make_contract(tenant)
    client = login_as(tenant.users["cbo_supervisor"])
    page = client.get(reverse("contracts:detail", args=[contract.code]))
    assert page.status_code == 200 and b"read-only" in page.content
    assert b"Edit scope of work" not in page.content
    with scopes_disabled():
        save_contract_details(contract, [], acting=acting_as(tenant.users["hub_admin"]))
    assert client.get(reverse("contracts:detail", args=[contract.code])).status_code == 404


@pytest.mark.django_db
def test_other_network_sees_nothing_in_lists_and_api(tenant: Any, other_tenant: Any,
                                                     login_as: Any) -> None:
    service = cbo_service(tenant)
    make_contract(tenant)
    client = login_as(other_tenant.users["hub_admin"])
    assert service.name.encode() not in client.get(reverse("network:directory")).content
    assert b"T-MEALS" not in client.get(reverse("contracts:list")).content
    for url in ("/api/hsds/services", "/api/hsds/organizations", "/api/hsds/service_at_locations"):
        body = client.get(url).json()
        assert body["total_items"] == 0 and body["contents"] == [], url
    own = login_as(tenant.users["hub_admin"]).get("/api/hsds/services?per_page=1").json()
    assert own["total_items"] == 1 and own["contents"][0]["id"] == str(service.pk)
    assert own["first_page"] and own["last_page"] and not own["empty"]


@pytest.mark.django_db
def test_hsds_api_pages_and_meta(tenant: Any, login_as: Any) -> None:
    service = cbo_service(tenant)
    client = login_as(tenant.users["cbo_worker"])
    assert client.get("/api/hsds/").json()["version"] == "3.0"
    page = client.get("/api/hsds/services?page=2&per_page=1").json()
    assert page["page_number"] == 2 and page["empty"] and page["total_pages"] == 1
    full = client.get(f"/api/hsds/services/{service.pk}").json()
    assert full["organization"]["name"] == "Alpha Pantry"
    orgs = client.get("/api/hsds/organizations").json()
    assert [o["name"] for o in orgs["contents"]] == ["Alpha Pantry"]
    org_id = orgs["contents"][0]["id"]
    assert client.get(f"/api/hsds/organizations/{org_id}").json()["services"][0]["name"] == "Meals"
    assert client.get("/api/hsds/services/not-a-uuid").status_code == 404
