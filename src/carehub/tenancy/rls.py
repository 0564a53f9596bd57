"""PostgreSQL row-level security, the backstop under the access helpers and django-scopes.

Requests run as the non-owner role `carehub_tenant` with the active organisation, the
acting role and the signed-in user in the settings `carehub.organisation_id`,
`carehub.role` and `carehub.user_id`; policies compare rows with them. What the role may
touch at all is listed in `carehub.tenancy.grants`. On SQLite every operation here does
nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, migrations, models

TENANT_ROLE = "carehub_tenant"
ORG_SETTING = "carehub.organisation_id"
ROLE_SETTING = "carehub.role"
USER_SETTING = "carehub.user_id"
# The active organisation as a bigint, NULL when none is set (then policies match nothing).
CURRENT_ORG_SQL = f"NULLIF(current_setting('{ORG_SETTING}', true), '')::bigint"
# The acting membership's role ('' when none) and the signed-in user (NULL when none).
CURRENT_ROLE_SQL = f"COALESCE(current_setting('{ROLE_SETTING}', true), '')"
CURRENT_USER_SQL = f"NULLIF(current_setting('{USER_SETTING}', true), '')::bigint"


def managed_by_current_sql(org_column: str) -> str:
    """True when `org_column` is an organisation the acting one administers.

    The SQL twin of `access.organisations_managed_by`: itself, and for a hub the CBOs
    that accepted its invitation and are currently in its network.
    """
    # SQL from module constants and a column name given by migrations, never input.
    return (
        f"({org_column} = {CURRENT_ORG_SQL} OR EXISTS (SELECT 1 FROM tenancy_networkmember mn "  # nosec B608
        f"JOIN tenancy_network mh ON mh.id = mn.network_id WHERE mh.hub_id = {CURRENT_ORG_SQL} "
        f'AND mn.cbo_id = {org_column} AND mn.status = \'accepted\' AND mn."left" IS NULL))'
    )


class PostgresOnlySQL(migrations.RunSQL):
    """RunSQL that only runs on PostgreSQL."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


CREATE_TENANT_ROLE = f"""
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{TENANT_ROLE}') THEN
    CREATE ROLE {TENANT_ROLE} NOLOGIN;
  END IF;
END $$;
GRANT {TENANT_ROLE} TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO {TENANT_ROLE};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {TENANT_ROLE};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {TENANT_ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {TENANT_ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {TENANT_ROLE};
"""  # nosec B608 # constant SQL: the role name is a module constant


def enable_rls(table: str, using: str, *, insert_check: str | None = None) -> PostgresOnlySQL:
    """Turn on row-level security for `table`.

    `using` is a boolean SQL expression over the row that may refer to CURRENT_ORG_SQL;
    it limits reads, updates and deletes. `insert_check` limits inserts (default: same).
    """
    check = insert_check or using
    return PostgresOnlySQL(
        sql=f"""
        ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
        DROP POLICY IF EXISTS tenant_read ON {table};
        DROP POLICY IF EXISTS tenant_insert ON {table};
        DROP POLICY IF EXISTS tenant_update ON {table};
        DROP POLICY IF EXISTS tenant_delete ON {table};
        CREATE POLICY tenant_read ON {table} FOR SELECT USING ({using});
        CREATE POLICY tenant_insert ON {table} FOR INSERT WITH CHECK ({check});
        CREATE POLICY tenant_update ON {table} FOR UPDATE USING ({using}) WITH CHECK ({using});
        CREATE POLICY tenant_delete ON {table} FOR DELETE USING ({using});
        """,
        reverse_sql=f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;",
    )


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def enter_tenant(organisation_id: int | None, *, role: str = "", user_id: int | None = None) -> None:
    """Drop to the tenant role acting for `organisation_id` in `role`, signed in as `user_id`.

    Policies on identity tables use the role and the user: only an administrator may
    create or change memberships, and a user may read their own memberships elsewhere.
    """
    if not is_postgres():
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {TENANT_ROLE}")
        cursor.execute(
            "SELECT set_config(%s, %s, false), set_config(%s, %s, false), set_config(%s, %s, false)",
            [ORG_SETTING, "" if organisation_id is None else str(organisation_id),
             ROLE_SETTING, role or "",
             USER_SETTING, "" if user_id is None else str(user_id)],
        )
    connection.carehub_in_tenant = True  # type: ignore[attr-defined]


def leave_tenant() -> None:
    if not is_postgres():
        return
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute(
            "SELECT set_config(%s, '', false), set_config(%s, '', false), set_config(%s, '', false)",
            [ORG_SETTING, ROLE_SETTING, USER_SETTING],
        )
    connection.carehub_in_tenant = False  # type: ignore[attr-defined]


@contextmanager
def as_owner() -> Iterator[None]:
    """Step out of the tenant role for a trusted write that spans organisations.

    For services only (the audit chain, grants of access to another organisation):
    they decide what to write; row-level security still guards every read.
    """
    if not (is_postgres() and getattr(connection, "carehub_in_tenant", False)):
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    connection.carehub_in_tenant = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        connection.carehub_in_tenant = True  # type: ignore[attr-defined]
        if not _transaction_failed():
            with connection.cursor() as cursor:
                cursor.execute(f"SET ROLE {TENANT_ROLE}")
        # Else the block failed inside a transaction: a statement now would raise and hide
        # the block's own error (an IntegrityError the caller handles). The RESET ROLE ran
        # inside that transaction, so its rollback puts the tenant role back.


def _transaction_failed() -> bool:
    if connection.needs_rollback:
        return True
    raw = connection.connection
    if raw is None:
        return False
    from psycopg import pq

    return bool(raw.info.transaction_status == pq.TransactionStatus.INERROR)


@contextmanager
def tenant_connection(
    organisation_id: int | None, *, role: str = "", user_id: int | None = None
) -> Iterator[None]:
    """Run the block with row-level security in force for one organisation."""
    enter_tenant(organisation_id, role=role, user_id=user_id)
    try:
        yield
    finally:
        leave_tenant()


class HiddenFromTenantMixin:
    """A column the tenant role may not read (it holds no SELECT privilege on it).

    Under the tenant role the ORM selects NULL in its place, so loading a row, a
    `select_related` join or a lazy foreign key never names the column; the instance
    holds None. Saving such a value back is refused by PostgreSQL too (no UPDATE on the
    column), so a hidden value cannot be overwritten by accident. As the owner (sign-in,
    Django admin, commands) the column reads as usual.
    """

    def select_format(self, compiler: Any, sql: str, params: Any) -> tuple[str, Any]:
        if getattr(compiler.connection, "carehub_in_tenant", False):
            # A cast, not a bare NULL: PostgreSQL refuses a constant in GROUP BY.
            return "CAST(NULL AS text)", []
        return super().select_format(compiler, sql, params)  # type: ignore[misc]

    def deconstruct(self) -> Any:
        # Only how it is read differs: migrations see the plain field.
        name, path, args, kwargs = super().deconstruct()  # type: ignore[misc]
        base = next(c for c in type(self).__mro__ if c.__module__.startswith("django.db.models"))
        return name, f"django.db.models.{base.__name__}", args, kwargs


class HiddenCharField(HiddenFromTenantMixin, models.CharField):
    """A CharField (such as a password hash) the tenant role never reads."""
