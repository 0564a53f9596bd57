"""PostgreSQL row-level security on the readiness tables: a raw query returns only what
the acting organisation may see, and a CBO cannot write an assessment of itself."""

from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction
from django_scopes import scopes_disabled

from carehub.reporting import readiness_questions as q
from carehub.reporting.services import readiness as service
from carehub.tenancy.rls import tenant_connection
from tests.integration.conftest import accepted_contract, acting_as

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def raw(sql: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def test_readiness_rows_are_limited_to_hub_cbo_and_its_plan(tenant, other_tenant):
    answers = {question.key: (1, "") for d in q.DOMAINS for question in d.questions}
    with scopes_disabled():
        service.record_assessment(tenant.cbo, date(2026, 2, 1), answers,
                                  acting=acting_as(tenant.users["hub_admin"]))
        service.save_document("Guide", "guide", text="x",
                              acting=acting_as(tenant.users["hub_admin"]))
        service.save_document("Private", "guide", text="x", shared=False,
                              acting=acting_as(tenant.users["hub_admin"]))
    count = "SELECT count(*) FROM reporting_readinessassessment"
    answers_count = "SELECT count(*) FROM reporting_readinessanswer"
    documents = "SELECT title FROM reporting_resourcedocument ORDER BY title"
    with tenant_connection(tenant.hub.pk):
        assert raw(count) == [(1,)] and raw(answers_count) == [(18,)]
        assert raw(documents) == [("Guide",), ("Private",)]
    with tenant_connection(tenant.cbo.pk):
        assert raw(count) == [(1,)]
        assert raw(documents) == [("Guide",)]
    with tenant_connection(tenant.payer.pk):
        # Not yet a delivering CBO of any of the plan's contracts.
        assert raw(count) == [(0,)] and raw(documents) == []
    with scopes_disabled():
        accepted_contract(tenant.payer, tenant.hub, delivering=[tenant.cbo])
    with tenant_connection(tenant.payer.pk):
        assert raw(count) == [(1,)] and raw(answers_count) == [(18,)]
    for org in (other_tenant.hub, other_tenant.cbo, other_tenant.payer):
        with tenant_connection(org.pk):
            assert raw(count) == [(0,)] and raw(answers_count) == [(0,)] and raw(documents) == []


def test_a_cbo_cannot_write_or_change_its_own_assessment(tenant):
    answers = {question.key: (0, "") for d in q.DOMAINS for question in d.questions}
    with scopes_disabled():
        found = service.record_assessment(tenant.cbo, date(2026, 2, 1), answers,
                                          acting=acting_as(tenant.users["hub_admin"]))
    with tenant_connection(tenant.cbo.pk):
        with pytest.raises(DatabaseError), transaction.atomic():
            raw("INSERT INTO reporting_readinessassessment (hub_id, cbo_id, assessed_on, notes, "
                "overall, by_domain, created_at) VALUES (%s, %s, '2026-03-01', '', 100, '{}', now())",
                [tenant.hub.pk, tenant.cbo.pk])
        assert raw("UPDATE reporting_readinessassessment SET overall = 100 WHERE id = %s "
                   "RETURNING id", [found.pk]) == []
