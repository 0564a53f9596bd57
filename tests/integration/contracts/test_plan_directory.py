"""The plan's directory: the organisations and services its contracts in effect use."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.contracts.plan_network import plan_directory
from carehub.network.models import Service, ServiceType
from carehub.tenancy.models import Network, NetworkMember
from tests.integration.conftest import make_org
from tests.integration.contracts.factories import make_contract


def service(org: Any, type_slug: str, name: str, **fields: Any) -> Service:
    with scopes_disabled():
        return Service.objects.create(
            organisation=org, service_type=ServiceType.objects.get(slug=type_slug), name=name,
            coverage_counties=fields.pop("counties", ["Erie, NY"]),
            languages=fields.pop("languages", ["English"]), verified_at=timezone.now(),
            **fields)


def network(tenant: Any) -> dict[str, Service]:
    """The tenant's CBO offers meals (the contract's service type) and housing (not);
    a second CBO in the hub's network delivers under no contract."""
    with scopes_disabled():
        idle = make_org("cbo", f"{tenant.hub.name} Idle Kitchen")
        NetworkMember.objects.create(network=Network.objects.get(hub=tenant.hub), cbo=idle,
                                     status="accepted", onboarded_by_hub=True)
    return {
        "meals": service(tenant.cbo, "nutrition", f"{tenant.cbo.name} Meals",
                         languages=["English", "Spanish"]),
        "housing": service(tenant.cbo, "tenancy-support", f"{tenant.cbo.name} Tenancy help"),
        "idle": service(idle, "nutrition", "Idle Kitchen Meals"),
    }


def page(client: Any, query: str = "") -> str:
    response = client.get(reverse("network:directory") + query, follow=True)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["payer_manager", "payer_analyst"])
def test_plan_sees_the_services_its_contract_uses(role: str, tenant: Any,
                                                  login_as: Any) -> None:
    entries = network(tenant)
    contract = make_contract(tenant, complete=True)  # scope of work: nutrition (HDM)
    html = page(login_as(tenant.users[role]))
    assert "Your network" in html
    assert entries["meals"].name in html and tenant.cbo.name in html
    assert contract.code in html
    # Another type of service than the contract's, and a CBO delivering under nothing.
    assert entries["housing"].name not in html
    assert "Idle Kitchen" not in html
    # Read-only: no capacity editing, no links into the providers' own pages.
    assert "Add a service" not in html and "capacity_status" not in html
    assert reverse("network:service", args=[entries["meals"].pk]) not in html
    assert "1 service from 1 organisation." in html


@pytest.mark.django_db
def test_a_contract_without_a_scope_uses_all_the_cbos_services(tenant: Any) -> None:
    entries = network(tenant)
    make_contract(tenant)  # no service definitions yet
    names = [e.service.name for e in plan_directory(tenant.payer)]
    assert sorted(names) == sorted([entries["meals"].name, entries["housing"].name])
    with scopes_disabled():
        assert [e.contracts for e in plan_directory(tenant.payer)] == [("T-MEALS",), ("T-MEALS",)]


@pytest.mark.django_db
def test_filters_narrow_the_plans_network(tenant: Any, login_as: Any) -> None:
    entries = network(tenant)
    make_contract(tenant)
    client = login_as(tenant.users["payer_manager"])
    spanish = page(client, "?language=spanish")
    assert entries["meals"].name in spanish and entries["housing"].name not in spanish
    typed = page(client, "?service_type=tenancy-support")
    assert entries["housing"].name in typed and entries["meals"].name not in typed
    assert entries["meals"].name not in page(client, "?county=Bronx%2C+NY")
    assert entries["meals"].name in page(client, "?q=meals")


@pytest.mark.django_db
def test_nothing_before_the_contract_is_in_effect_or_after_the_cbo_leaves(
        tenant: Any, login_as: Any) -> None:
    entries = network(tenant)
    make_contract(tenant, accepted=False)
    client = login_as(tenant.users["payer_manager"])
    assert entries["meals"].name not in page(client)
    assert plan_directory(tenant.payer) == []
    with scopes_disabled():
        from carehub.contracts.models import ContractParty

        ContractParty.objects.filter(contract__code="T-MEALS").update(status="accepted")
    assert entries["meals"].name in page(client)
    with scopes_disabled():
        NetworkMember.objects.filter(cbo=tenant.cbo).update(left=timezone.localdate())
    assert entries["meals"].name not in page(client)


@pytest.mark.django_db
def test_another_plan_sees_none_of_it(tenant: Any, other_tenant: Any, login_as: Any) -> None:
    entries = network(tenant)
    make_contract(tenant, complete=True)
    other_entries = network(other_tenant)
    make_contract(other_tenant, code="O-MEALS", complete=True)
    html = page(login_as(other_tenant.users["payer_manager"]))
    assert other_entries["meals"].name in html
    assert entries["meals"].name not in html and tenant.cbo.name not in html
    assert "T-MEALS" not in html
    assert [e.service.name for e in plan_directory(tenant.payer)] == [entries["meals"].name]


@pytest.mark.django_db
def test_hub_and_cbo_directories_are_unchanged(tenant: Any, login_as: Any) -> None:
    entries = network(tenant)
    make_contract(tenant)
    html = page(login_as(tenant.users["hub_admin"]))
    assert "Network directory" in html and "Idle Kitchen Meals" in html
    assert entries["housing"].name in html
    assert plan_directory(tenant.hub) == []
