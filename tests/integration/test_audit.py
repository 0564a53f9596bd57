from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.audit.models import AuditEvent
from carehub.audit.selectors import verify_chain

pytestmark = pytest.mark.django_db


def seed_events(tenant, n=5):
    for i in range(n):
        audit.record("view", actor=tenant.users["payer_manager"], organisation=tenant.payer,
                     object_type="member", object_id=str(i), member_id=str(i))


def test_an_untouched_chain_verifies(tenant, capsys):
    seed_events(tenant)
    assert verify_chain().intact
    call_command("audit", "verify")
    assert "audit chain intact: 5 events" in capsys.readouterr().out


def tamper(sql: str, params: list) -> None:
    """Change rows behind the application's back, as a database administrator could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A superuser can bypass triggers; the hash chain still catches the change.
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def test_a_changed_row_is_named(tenant):
    seed_events(tenant)
    tamper("UPDATE audit_auditevent SET object_id = %s WHERE seq = %s", ["forged", 3])
    report = verify_chain()
    assert report.broken_at == 3 and "changed" in report.problem
    with pytest.raises(CommandError, match="broken at event 3"):
        call_command("audit", "verify")


def test_a_deleted_row_is_named(tenant):
    seed_events(tenant)
    tamper("DELETE FROM audit_auditevent WHERE seq = %s", [2])
    report = verify_chain()
    assert report.broken_at == 3 and "missing" in report.problem


def test_a_rewritten_chain_tail_is_caught_at_the_first_forged_link(tenant):
    seed_events(tenant)
    # Forging content and recomputing only that row's hash still breaks the next link.
    from carehub.audit.chain import event_hash

    with scopes_disabled():
        event = AuditEvent.objects.get(seq=4)
    fields = audit.hash_fields(event)
    fields["object_id"] = "forged"
    tamper("UPDATE audit_auditevent SET object_id = %s, hash = %s WHERE seq = %s",
           ["forged", event_hash(event.prev_hash, fields), 4])
    assert verify_chain().broken_at == 5


@pytest.mark.postgres
def test_postgres_refuses_updates_and_deletes_of_audit_rows(tenant):
    seed_events(tenant, 1)
    for sql in ("UPDATE audit_auditevent SET object_id = 'x'", "DELETE FROM audit_auditevent"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql)


def test_auditor_page_filters_and_shows_only_own_organisation(tenant, other_tenant, login_as):
    seed_events(tenant, 3)
    audit.record("view", actor=other_tenant.users["auditor"], organisation=other_tenant.hub,
                 object_type="member", object_id="x")
    audit.record("export", actor=tenant.users["hub_admin"], organisation=tenant.hub,
                 object_type="member_list", object_id="*")
    client = login_as(tenant.users["auditor"])
    page = client.get(reverse("audit:list"))
    assert page.status_code == 200
    shown = [e.object_type for e in page.context["page"]]
    assert shown == ["member_list"]  # the hub's event only; the plan's and other hub's are not shown
    filtered = client.get(reverse("audit:list"), {"action": "view"})
    assert list(filtered.context["page"]) == []


def test_audit_page_is_for_auditors_and_hub_admins(tenant, login_as):
    assert login_as(tenant.users["cbo_worker"]).get(reverse("audit:list")).status_code == 404
    assert login_as(tenant.users["payer_manager"]).get(reverse("audit:list")).status_code == 404


@pytest.mark.postgres
def test_requests_cannot_empty_the_audit_table(tenant):
    from carehub.tenancy.rls import tenant_connection

    seed_events(tenant, 1)
    with tenant_connection(tenant.hub.pk):
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE audit_auditevent CASCADE")
