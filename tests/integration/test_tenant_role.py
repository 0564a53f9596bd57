"""The request role holds only what requests need: no secrets, no privilege changes.

Every statement here runs as `carehub_tenant`, as a request does after the middleware
has entered the tenant role.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from carehub.accounts.models import User
from carehub.tenancy.grants import NO_ACCESS, TENANT_GRANTS
from carehub.tenancy.models import Membership
from carehub.tenancy.rls import TENANT_ROLE, tenant_connection

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def run(sql: str, params: list | None = None) -> int:
    """Run one statement in a savepoint; the number of rows it touched."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


def refused(sql: str, params: list | None = None) -> str:
    """Run `sql`, which must fail; the database's message."""
    with pytest.raises(DatabaseError) as failure:
        run(sql, params)
    return str(failure.value)


def acting(tenant, role: str):  # type: ignore[no-untyped-def]
    """Row-level security as the tenant's user in `role`, for that user's organisation."""
    user = tenant.users[role]
    membership = Membership.objects.get(user=user)
    return tenant_connection(membership.organisation_id, role=role, user_id=user.pk)


def membership_of(tenant, role: str) -> Membership:  # type: ignore[no-untyped-def]
    return Membership.objects.get(user=tenant.users[role])


def test_secrets_are_not_readable(tenant):
    TOTPDevice.objects.create(user=tenant.users["hub_admin"], name="phone", confirmed=True)
    with acting(tenant, "hub_admin"):
        for sql in (
            "SELECT password FROM accounts_user",
            "SELECT * FROM accounts_user",
            "SELECT key FROM otp_totp_totpdevice",
            "SELECT * FROM django_session",
            "SELECT * FROM accounts_loginthrottle",
            "SELECT * FROM django_admin_log",
            "SELECT * FROM auth_permission",
            "SELECT * FROM accounts_user_user_permissions",
            "SELECT * FROM audit_auditseal",
        ):
            assert "permission denied" in refused(sql), sql
        # What pages show about people is still there.
        assert run("SELECT username, first_name, last_name, email FROM accounts_user") > 0


def test_orm_loads_people_without_their_password_hash(tenant):
    worker = tenant.users["cbo_worker"]
    with acting(tenant, "cbo_supervisor"):
        colleagues = {m.user.username: m.user for m in
                      Membership.objects.filter(organisation=tenant.cbo).select_related("user")}
        assert colleagues[worker.username].last_name == "Tester"
        assert colleagues[worker.username].password is None
        # A lazy foreign key loads the same way.
        lazy = Membership.objects.get(user=worker)
        assert lazy.user.first_name == worker.first_name
        assert lazy.user.password is None
        # Saving a loaded user whole would write the hash: refused, not blanked.
        with pytest.raises(DatabaseError), transaction.atomic():
            colleagues[worker.username].save()
    # As the owner (sign-in) the hash is there and checks.
    assert User.objects.get(pk=worker.pk).check_password("correct-horse-battery-9")


def test_privilege_flags_cannot_be_set(tenant):
    admin = tenant.users["hub_admin"]
    with acting(tenant, "hub_admin"):
        assert "permission denied" in refused(
            "UPDATE accounts_user SET is_superuser = true WHERE id = %s", [admin.pk])
        assert "permission denied" in refused(
            "UPDATE accounts_user SET is_staff = true WHERE id = %s", [admin.pk])
        assert "permission denied" in refused(
            "UPDATE accounts_user SET password = 'x' WHERE id = %s", [admin.pk])
        assert "row-level security" in refused(
            "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name,"
            " email, is_staff, is_active, date_joined, display_name)"
            " VALUES ('x', true, 'sneaky', '', '', '', false, true, now(), '')")
        # A non-secret column of one's own record can change.
        assert run("UPDATE accounts_user SET display_name = 'Ada' WHERE id = %s", [admin.pk]) == 1
    with scopes_disabled():
        admin.refresh_from_db()
    assert not admin.is_superuser and not admin.is_staff and admin.display_name == "Ada"


def test_only_a_hub_administrator_creates_users(tenant):
    insert = ("INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name,"
              " email, is_staff, is_active, date_joined, display_name)"
              " VALUES ('x', false, %s, '', '', '', false, true, now(), '')")
    with acting(tenant, "cbo_supervisor"):
        assert "row-level security" in refused(insert, ["by-supervisor"])
    with acting(tenant, "hub_admin"):
        assert run(insert, ["by-admin"]) == 1


def test_memberships_of_other_organisations_cannot_be_changed(tenant, other_tenant):
    theirs = membership_of(tenant, "cbo_worker")
    with acting(other_tenant, "hub_admin"):
        assert run("UPDATE tenancy_membership SET role = 'hub_admin' WHERE id = %s", [theirs.pk]) == 0
        assert run("UPDATE tenancy_membership SET is_active = false WHERE id = %s", [theirs.pk]) == 0
        assert run("SELECT 1 FROM tenancy_membership WHERE id = %s", [theirs.pk]) == 0
        assert "row-level security" in refused(
            "INSERT INTO tenancy_membership (role, is_active, created_at, user_id, organisation_id)"
            " VALUES ('hub_admin', true, now(), %s, %s)",
            [other_tenant.users["hub_admin"].pk, tenant.hub.pk])
    theirs.refresh_from_db()
    assert theirs.role == "cbo_worker" and theirs.is_active


def test_only_an_administrator_changes_roles_in_its_own_organisations(tenant):
    coordinator = membership_of(tenant, "hub_coordinator")
    worker = membership_of(tenant, "cbo_worker")
    manager = membership_of(tenant, "payer_manager")
    promote = "UPDATE tenancy_membership SET role = %s WHERE id = %s"
    with acting(tenant, "hub_coordinator"):
        assert run(promote, ["hub_admin", coordinator.pk]) == 0
    with acting(tenant, "cbo_supervisor"):
        assert run(promote, ["cbo_supervisor", worker.pk]) == 0
        assert run("UPDATE tenancy_membership SET is_active = false WHERE id = %s", [worker.pk]) == 0
        assert "row-level security" in refused(
            "INSERT INTO tenancy_membership (role, is_active, created_at, user_id, organisation_id)"
            " VALUES ('cbo_supervisor', true, now(), %s, %s)", [worker.user_id, tenant.cbo.pk])
    coordinator.refresh_from_db()
    worker.refresh_from_db()
    assert coordinator.role == "hub_coordinator" and worker.role == "cbo_worker"

    with acting(tenant, "hub_admin"):
        # The hub administers its own staff and its network's CBOs...
        assert run(promote, ["hub_admin", coordinator.pk]) == 1
        assert run("UPDATE tenancy_membership SET is_active = false WHERE id = %s", [worker.pk]) == 1
        # ...but only with roles that fit the organisation,
        assert "row-level security" in refused(promote, ["hub_admin", worker.pk])
        # ...never the people, organisation or user of a membership,
        assert "permission denied" in refused(
            "UPDATE tenancy_membership SET organisation_id = %s WHERE id = %s",
            [tenant.hub.pk, worker.pk])
        # ...and not the plan's, which it does not administer.
        assert run(promote, ["payer_analyst", manager.pk]) == 0
    coordinator.refresh_from_db()
    worker.refresh_from_db()
    assert coordinator.role == "hub_admin" and not worker.is_active


def test_memberships_visible_to_their_user_and_administering_organisations(tenant, other_tenant):
    worker = tenant.users["cbo_worker"]
    with tenant_connection(other_tenant.hub.pk, role="hub_admin", user_id=worker.pk):
        # Acting elsewhere, a user still sees their own memberships (the switcher)...
        ids = [r.pk for r in Membership.objects.all()]
    assert membership_of(tenant, "cbo_worker").pk in ids
    assert membership_of(tenant, "payer_manager").pk not in ids
    with acting(tenant, "payer_manager"):
        seen = set(Membership.objects.values_list("organisation_id", flat=True))
    assert seen == {tenant.payer.pk}
    with acting(tenant, "hub_coordinator"):
        seen = set(Membership.objects.values_list("organisation_id", flat=True))
    assert seen == {tenant.hub.pk, tenant.cbo.pk}


def test_audit_events_are_append_only_for_requests(tenant):
    with acting(tenant, "hub_admin"):
        for sql in ("UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent",
                    "TRUNCATE audit_auditevent"):
            assert "permission denied" in refused(sql), sql
        with connection.cursor() as cursor:
            cursor.execute("SELECT has_table_privilege('audit_auditevent', 'INSERT')")
            assert cursor.fetchone()[0] is True


def _privileges() -> dict[str, set[tuple[str, str]]]:
    """(column or '', privilege) the tenant role holds, per relation in the schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, '', a.privilege_type
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
                   aclexplode(c.relacl) a
             WHERE n.nspname = 'public' AND a.grantee = %(role)s::regrole
            UNION ALL
            SELECT c.relname, att.attname, a.privilege_type
              FROM pg_attribute att JOIN pg_class c ON c.oid = att.attrelid
                   JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(att.attacl) a
             WHERE n.nspname = 'public' AND att.attnum > 0 AND NOT att.attisdropped
               AND a.grantee = %(role)s::regrole
            """,
            {"role": TENANT_ROLE},
        )
        held: dict[str, set[tuple[str, str]]] = {}
        for table, column, privilege in cursor.fetchall():
            held.setdefault(table, set()).add((column, privilege))
    return held


def _columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        return [c.name for c in connection.introspection.get_table_description(cursor, table)]


def test_every_table_has_its_listed_grant_or_none():
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                       " WHERE n.nspname = 'public' AND relkind IN ('r', 'p', 'v', 'm', 'f')")
        tables = {r[0] for r in cursor.fetchall()}
    assert set(TENANT_GRANTS) <= tables, "grants.py lists tables that do not exist"
    assert not set(TENANT_GRANTS) & set(NO_ACCESS)
    held = _privileges()
    for table in sorted(tables):
        grant = TENANT_GRANTS.get(table)
        expected: set[tuple[str, str]] = set()
        if grant is not None:
            expected |= {("", p) for p in grant.table}
            for privilege, cols in grant.columns.items():
                expected |= {(c, privilege) for c in cols}
            if grant.select_except:
                expected |= {(c, "SELECT") for c in _columns(table) if c not in grant.select_except}
        assert held.get(table, set()) == expected, table
    # Sequences (identity columns need none) and anything else in the schema: nothing.
    assert set(held) <= tables


def test_a_new_table_is_closed_to_requests():
    run("CREATE TABLE later_feature (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)")
    with tenant_connection(None):
        assert "permission denied" in refused("SELECT * FROM later_feature")


class RoleRecorder:
    """Notes, for every query a request runs, whether it ran as the tenant role."""

    def __init__(self) -> None:
        self.queries: list[tuple[bool, str]] = []

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.queries.append((getattr(connection, "carehub_in_tenant", False), sql))
        return execute(sql, params, many, context)

    def as_tenant(self, table: str | None = None) -> list[bool]:
        return [t for t, sql in self.queries if table is None or f'"{table}"' in sql]


def test_pages_run_as_the_tenant_role_and_sessions_outside_it(tenant, login_as):
    client = login_as(tenant.users["cbo_worker"])
    recorder = RoleRecorder()
    with connection.execute_wrapper(recorder):
        assert client.get("/").status_code == 200
    assert any(recorder.as_tenant("tenancy_membership"))
    session_queries = recorder.as_tenant("django_session")
    assert session_queries and not any(session_queries)  # loaded before, saved after


def test_sign_in_runs_as_the_owner(tenant):
    from django.test import Client

    recorder = RoleRecorder()
    with connection.execute_wrapper(recorder):
        response = Client().post("/accounts/login/", {
            "username": tenant.users["cbo_worker"].username, "password": "correct-horse-battery-9"})
    assert response.status_code == 302
    assert recorder.queries and not any(recorder.as_tenant())
