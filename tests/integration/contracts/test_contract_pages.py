"""Contract list filters, editing a contract's dates and delivering CBOs, renewing a staff
credential: behaviour, audit, roles and other organisations (404)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.contracts import selectors
from carehub.contracts.models import Contract, StaffCredential
from tests.integration.contracts.factories import make_contract

ROLES = ["hub_admin", "hub_coordinator", "cbo_supervisor", "cbo_worker", "payer_manager",
         "payer_analyst", "auditor"]


def last_event(object_type: str) -> AuditEvent:
    with scopes_disabled():
        event = AuditEvent.objects.filter(object_type=object_type).order_by("-seq").first()
    assert event is not None
    return event


@pytest.mark.django_db
def test_contract_list_filters(tenant: Any, login_as: Any) -> None:
    make_contract(tenant, "T-MEALS")
    running = make_contract(tenant, "T-RIDES")
    with scopes_disabled():
        Contract.objects.filter(pk=running.pk).update(stage="implementation", name="Rides",
                                                      ends=date(2099, 12, 31))
    client = login_as(tenant.users["payer_analyst"])
    url = reverse("contracts:list")
    both = client.get(url).content
    assert b"T-MEALS" in both and b"T-RIDES" in both
    by_stage = client.get(url, {"stage": "implementation"}).content
    assert b"T-RIDES" in by_stage and b"T-MEALS" not in by_stage
    by_name = client.get(url, {"q": "rides"}).content
    assert b"T-RIDES" in by_name and b"T-MEALS" not in by_name
    assert b"T-MEALS" in client.get(url, {"q": "alpha hub"}).content
    assert b"No contracts match" in client.get(url, {"renewal": "due"}).content
    assert b"T-MEALS" in client.get(url, {"stage": "nonsense"}).content  # unknown: ignored


@pytest.mark.django_db
def test_hub_admin_extends_contract_and_changes_delivering_cbos(tenant: Any,
                                                              login_as: Any) -> None:
    contract = make_contract(tenant)
    client = login_as(tenant.users["hub_admin"])
    url = reverse("contracts:edit", args=[contract.code])
    assert b"Alpha Pantry" in client.get(url).content
    data = {"name": "Post-discharge meals", "starts": "2026-01-01", "ends": "2027-12-31",
            "renewal_notice_months": "3", "max_outreach_attempts": "3"}
    response = client.post(url, data)  # no delivering CBO ticked: Alpha Pantry removed
    assert response.status_code == 302
    with scopes_disabled():
        contract.refresh_from_db()
        assert (contract.ends, contract.renewal_notice_months) == (date(2027, 12, 31), 3)
        assert not selectors.contracts_visible_to(tenant.cbo).exists()
    event = last_event("contract")
    assert sorted(event.detail["fields"]) == ["ends", "renewal_notice_months"]
    assert event.detail["delivering_removed"] == [tenant.cbo.pk]
    response = client.post(url, {**data, "ends": "2025-12-31"})
    assert b"cannot end before it starts" in response.content
    client.post(url, {**data, "delivering_cbos": [str(tenant.cbo.pk)]})
    assert last_event("contract").detail["delivering_added"] == [tenant.cbo.pk]
    with scopes_disabled():
        assert selectors.contracts_visible_to(tenant.cbo).get() == contract


@pytest.mark.django_db
def test_contract_edit_refuses_a_cbo_outside_the_network(tenant: Any, other_tenant: Any,
                                                         login_as: Any) -> None:
    contract = make_contract(tenant)
    response = login_as(tenant.users["payer_manager"]).post(
        reverse("contracts:edit", args=[contract.code]),
        {"name": "x", "renewal_notice_months": "4", "max_outreach_attempts": "3",
         "delivering_cbos": [str(other_tenant.cbo.pk)]})
    assert response.status_code == 200 and b"Select a valid choice" in response.content
    with scopes_disabled():
        assert not selectors.contracts_visible_to(other_tenant.cbo).exists()


def make_credential(tenant: Any) -> StaffCredential:
    with scopes_disabled():
        return StaffCredential.objects.create(
            organisation=tenant.cbo, staff=tenant.users["cbo_worker"], kind="licence",
            name="Community Health Worker certificate", identifier="CHW-1",
            issued=date(2024, 3, 1), expires=date(2026, 3, 1))


@pytest.mark.django_db
def test_supervisor_renews_a_credential(tenant: Any, login_as: Any) -> None:
    credential = make_credential(tenant)
    client = login_as(tenant.users["cbo_supervisor"])
    listing = client.get(reverse("contracts:credentials")).content
    assert reverse("contracts:credential_edit", args=[credential.pk]).encode() in listing
    response = client.post(reverse("contracts:credential_edit", args=[credential.pk]), {
        "staff": tenant.users["cbo_worker"].pk, "kind": "licence",
        "name": "Community Health Worker certificate", "identifier": "CHW-2",
        "issued": "2026-02-20", "expires": "2028-02-20"})
    assert response.status_code == 302
    with scopes_disabled():
        credential.refresh_from_db()
    assert (credential.identifier, credential.expires) == ("CHW-2", date(2028, 2, 20))
    event = last_event("staff_credential")
    assert event.action == "update"
    assert sorted(event.detail["fields"]) == ["expires", "identifier", "issued"]
    # Staff of another organisation cannot be given the credential.
    response = client.post(reverse("contracts:credential_edit", args=[credential.pk]), {
        "staff": tenant.users["hub_admin"].pk, "kind": "licence", "name": "x"})
    assert b"Select a valid choice" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_new_contract_pages_by_role(role: str, tenant: Any, other_tenant: Any,
                                    login_as: Any) -> None:
    contract = make_contract(tenant)
    credential = make_credential(tenant)
    pages = {
        "edit": (reverse("contracts:edit", args=[contract.code]), {"hub_admin", "payer_manager"}),
        "credential_edit": (reverse("contracts:credential_edit", args=[credential.pk]),
                            {"hub_admin", "cbo_supervisor"}),
    }
    for who, owner in (("own", tenant), ("other", other_tenant)):
        client = login_as(owner.users[role])
        for name, (url, allowed) in pages.items():
            may = who == "own" and role in allowed
            for method in ("get", "post"):
                status = getattr(client, method)(url).status_code
                assert status == (200 if may else 404), (who, role, name, method)
