"""PostgreSQL row-level security on the directory and contract tables: a raw query under
one organisation's tenant connection sees only what that organisation may see."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from carehub.contracts.models import StaffCredential
from carehub.contracts.services import add_terms_version
from carehub.tenancy.rls import tenant_connection
from tests.integration.conftest import acting_as
from tests.integration.contracts.factories import fill_scope, make_contract
from tests.integration.contracts.test_contracts import terms_text
from tests.integration.network.test_permissions import cbo_service

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

DIRECTORY = ["network_service", "network_location", "network_serviceatlocation",
             "network_organisationprofile"]
PLAN_NETWORK = ["network_service", "network_serviceatlocation"]
CONTRACT = ["contracts_contract", "contracts_contractparty", "contracts_contractcontact",
            "contracts_servicedefinition", "contracts_escalationlevel",
            "contracts_datasharingterm", "contracts_lifecycletask", "contracts_termsversion"]


def count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed table names)
        return int(cursor.fetchone()[0])


def setup(tenant: Any, other: Any) -> None:
    for t in (tenant, other):
        cbo_service(t)
        from carehub.network.hsds import profile_for

        profile_for(t.cbo)
        contract = make_contract(t, code=f"{t.hub.name[:5].upper()}-MEALS")
        fill_scope(contract, t)
        with scopes_disabled():
            add_terms_version(contract, terms_text(contract.code), acting=acting_as(t.users["hub_admin"]))
            StaffCredential.objects.create(organisation=t.cbo, staff=t.users["cbo_worker"],
                                           kind="training", name="HIPAA")


@pytest.mark.parametrize("table", DIRECTORY + CONTRACT + ["contracts_staffcredential"])
def test_each_table_shows_only_the_organisations_rows(table: str, tenant: Any,
                                                      other_tenant: Any) -> None:
    setup(tenant, other_tenant)
    everything = count(table)
    assert everything > 0
    # The CBO and its hub see their network's directory rows; the other network's not.
    for org in (tenant.cbo, tenant.hub):
        with tenant_connection(org.pk):
            seen = count(table)
        # A party sees its contracts' rows (every party's acceptance included), never
        # the other network's.
        assert seen == everything // 2, (table, org)
    with tenant_connection(tenant.payer.pk):
        seen = count(table)
    # A plan reads the services its contracts in effect use (and where they are offered),
    # not the providers' sites, profiles or staff.
    expected_for_payer = 0 if table in DIRECTORY + ["contracts_staffcredential"] else (
        everything // 2)
    if table in PLAN_NETWORK:
        expected_for_payer = everything // 2
    assert seen == expected_for_payer
    with tenant_connection(None):
        assert count(table) == 0
