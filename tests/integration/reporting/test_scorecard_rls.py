"""Row-level security on the scorecard's tables (PostgreSQL): a CBO reads only its own
facts and monthly cells, the plan and the hub all of theirs, an unrelated organisation
none; the tenant role cannot write them; and through the page, under the tenant role, a
CBO still gets the contract total (counts only) beside its own part."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from django_scopes import scopes_disabled

from carehub.tenancy.rls import tenant_connection
from tests.integration.conftest import accepted_contract, make_org
from tests.integration.reporting.scorecard_world import make_members, make_referrals, refresh

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
TABLES = ("reporting_referralfact", "reporting_scorecardmonth", "reporting_scorecardrefresh")


def count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed table names)
        return int(cursor.fetchone()[0])


@pytest.fixture
def world(tenant):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        second = make_org("cbo", "Second Pantry")
    contract = accepted_contract(tenant.payer, tenant.hub, delivering=[tenant.cbo, second],
                                 outreach_goal=Decimal("80"))
    make_referrals(contract, tenant.cbo, make_members(tenant.payer, 12, "A", hub=tenant.hub),
                   [("outreach", None, True)] * 12, date(2026, 3, 2))
    make_referrals(contract, second, make_members(tenant.payer, 13, "B", hub=tenant.hub),
                   [("assigned", None, False)] * 13, date(2026, 3, 3))
    refresh(contract)
    return contract, second


def test_each_organisation_sees_its_own_scorecard_rows(world, tenant, other_tenant) -> None:  # type: ignore[no-untyped-def]
    contract, second = world
    seen = {}
    for name, org in (("plan", tenant.payer), ("hub", tenant.hub), ("cbo", tenant.cbo),
                      ("second", second), ("other hub", other_tenant.hub)):
        with tenant_connection(org.pk):
            seen[name] = tuple(count(t) for t in TABLES)
    assert seen["plan"][0] == seen["hub"][0] == 25
    assert (seen["cbo"][0], seen["second"][0], seen["other hub"]) == (12, 13, (0, 0, 0))
    assert seen["cbo"][1] < seen["hub"][1]  # its own monthly cells only
    assert seen["cbo"][2] == seen["hub"][2] == 1  # a party sees when figures were counted


def test_requests_cannot_write_the_facts(world, tenant) -> None:  # type: ignore[no-untyped-def]
    with tenant_connection(tenant.hub.pk), pytest.raises(ProgrammingError), \
            transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE reporting_referralfact SET outreached = false")


def test_a_cbo_gets_the_contract_total_through_the_page(world, tenant, login_as) -> None:  # type: ignore[no-untyped-def]
    html = login_as(tenant.users["cbo_supervisor"]).get(
        "/reporting/scorecard/T-MEALS/?period=2026-03").content.decode()
    assert "12 of 25" in html  # the total: both CBOs' referrals
    assert "12 of 12" in html  # its own part
    assert "Second Pantry" not in html
