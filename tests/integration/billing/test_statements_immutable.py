"""An issued statement never changes: no update or delete path through the ORM (one row
or in bulk) on either database, and on PostgreSQL a raw UPDATE or DELETE on
billing_statement and billing_statementline is refused by the trigger. Two runs at once
on PostgreSQL issue one statement, not two sequence 1s or 2s."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django_scopes import scopes_disabled

from carehub.billing.models import ImmutableError, Statement, StatementLine
from carehub.billing.services.statements import issue_statement
from tests.integration.billing.statement_world import (
    MEALS,
    billing_contract,
    deliver,
    enrolled_member,
)
from tests.integration.conftest import acting_as


def issued(tenant):  # type: ignore[no-untyped-def]
    contract = billing_contract(tenant, MEALS)
    deliver(enrolled_member(tenant), contract, date(2026, 2, 3), 10)
    statement = issue_statement(contract, "2026-02",
                                acting=acting_as(tenant.users["hub_admin"], tenant.hub))
    assert statement is not None
    return statement


@pytest.mark.django_db
def test_no_update_or_delete_path_through_the_orm(tenant):
    statement = issued(tenant)
    with scopes_disabled():
        line = StatementLine.objects.get(statement=statement)
        statement.total = statement.total + 1
        with pytest.raises(ImmutableError):
            statement.save()
        with pytest.raises(ImmutableError):
            statement.delete()
        line.amount = 0
        with pytest.raises(ImmutableError):
            line.save()
        with pytest.raises(ImmutableError):
            line.delete()
        with pytest.raises(ImmutableError):
            Statement.objects.filter(pk=statement.pk).update(total=0)
        with pytest.raises(ImmutableError):
            StatementLine.objects.filter(statement=statement).update(amount=0)
        with pytest.raises(ImmutableError):
            Statement.objects.filter(pk=statement.pk).delete()
        with pytest.raises(ImmutableError):
            StatementLine.objects.all().delete()
        with pytest.raises(ImmutableError):
            StatementLine.objects.bulk_update([line], ["amount"])
        fresh = Statement.objects.get(pk=statement.pk)
        assert str(fresh.total) == "75.00"
        assert str(StatementLine.objects.get(statement=statement).amount) == "75.00"


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("sql", [
    "UPDATE billing_statement SET total = 0 WHERE id = %s",
    "DELETE FROM billing_statement WHERE id = %s",
    "UPDATE billing_statementline SET amount = 0 WHERE statement_id = %s",
    "DELETE FROM billing_statementline WHERE statement_id = %s",
])
def test_postgres_trigger_refuses_raw_update_and_delete(tenant, sql):
    statement = issued(tenant)
    with pytest.raises(DatabaseError, match="is issued and cannot change"), \
            transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [statement.pk])
    with scopes_disabled():
        assert str(Statement.objects.get(pk=statement.pk).total) == "75.00"
        assert str(StatementLine.objects.get(statement=statement).amount) == "75.00"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_issue_one_statement(tenant):
    contract = billing_contract(tenant, MEALS)
    deliver(enrolled_member(tenant), contract, date(2026, 2, 3), 10)
    acting = acting_as(tenant.users["hub_admin"], tenant.hub)
    start = threading.Barrier(2)
    results: list[object] = []

    def run() -> None:
        try:
            start.wait()
            results.append(issue_statement(contract, "2026-02", acting=acting))
        except Exception as exc:  # noqa: BLE001  (the assertion below names it)
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    issued_now = [r for r in results if isinstance(r, Statement)]
    assert len(issued_now) == 1 and results.count(None) == 1, results
    with scopes_disabled():
        assert list(Statement.objects.values_list("sequence", flat=True)) == [1]
