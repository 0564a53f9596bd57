"""PostgreSQL row-level security: a raw query returns only the acting organisation's rows."""

from __future__ import annotations

import pytest
from django.db import connection

from carehub.audit import services as audit
from carehub.tenancy.rls import tenant_connection

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def raw(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def test_raw_sql_sees_only_the_acting_organisations_members(tenant, other_tenant):
    with tenant_connection(tenant.payer.pk):
        rows = raw("SELECT member_id FROM members_member ORDER BY member_id")
    assert rows == [("Alpha-M1",)]
    with tenant_connection(other_tenant.hub.pk):
        assert raw("SELECT member_id FROM members_member") == [("Omega-M1",)]
        assert raw("SELECT count(*) FROM members_enrolmentspan") == [(1,)]
    with tenant_connection(tenant.cbo.pk):
        assert raw("SELECT count(*) FROM members_member") == [(0,)]
    # Outside a tenant context (migrations, operators) every row is there.
    assert raw("SELECT count(*) FROM members_member") == [(2,)]


def test_raw_sql_sees_only_own_audit_events(tenant, other_tenant):
    audit.record("view", organisation=tenant.hub, object_type="member", object_id="1")
    audit.record("view", organisation=other_tenant.hub, object_type="member", object_id="2")
    with tenant_connection(tenant.hub.pk):
        assert raw("SELECT object_id FROM audit_auditevent") == [("1",)]
        # Appending still works from inside a tenant: the chain is written by the service.
        audit.record("view", organisation=tenant.hub, object_type="member", object_id="3")
        assert raw("SELECT count(*) FROM audit_auditevent") == [(2,)]


def test_no_active_organisation_sees_nothing(tenant):
    with tenant_connection(None):
        assert raw("SELECT count(*) FROM members_member") == [(0,)]


def test_requests_run_under_row_level_security(tenant, login_as):
    client = login_as(tenant.users["payer_manager"])
    assert client.get(f"/members/{tenant.member.pk}/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] != "carehub_tenant"  # reset after the request
