"""What the request role `carehub_tenant` may touch: every table, in one list.

A table not named here gets no privilege at all: new tables are closed to requests until
someone decides otherwise (default privileges grant nothing). `sync_tenant_grants` makes
the database match this list exactly; it runs in migration tenancy 0003 and after every
`migrate`, so a table added by a later migration needs only a line here. A test compares
the database's privileges with this list.

Row-level security decides which rows; this list decides which tables and columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from carehub.tenancy.rls import TENANT_ROLE


@dataclass(frozen=True)
class Grant:
    """Privileges on one table: whole-table ones, and ones limited to some columns."""

    table: tuple[str, ...] = ()
    # privilege -> the only columns it covers
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # SELECT on every column except these (columns the role must never read)
    select_except: tuple[str, ...] = ()


# Tenant data: rows are limited by row-level security (each app's migration).
TENANT_DATA = Grant(table=("SELECT", "INSERT", "UPDATE", "DELETE"))
# Reference data seeded by migrations; requests only read it.
REFERENCE = Grant(table=("SELECT",))

TENANT_GRANTS: dict[str, Grant] = {
    # Identity. Hashes are never read; privileges (is_staff, is_superuser) never
    # written; users and memberships are created only by administrators (policies in
    # tenancy 0003).
    "accounts_user": Grant(
        table=("INSERT",),
        select_except=("password",),
        columns={"UPDATE": ("first_name", "last_name", "email", "display_name")},
    ),
    "tenancy_membership": Grant(
        table=("SELECT", "INSERT"), columns={"UPDATE": ("role", "is_active")}
    ),
    "tenancy_organisation": Grant(table=("SELECT", "INSERT", "UPDATE")),
    "tenancy_network": Grant(table=("SELECT", "INSERT", "UPDATE")),
    "tenancy_networkmember": Grant(table=("SELECT", "INSERT", "UPDATE")),
    # The audit trail is append-only for requests (the chain itself is written by
    # audit.services as the owner).
    "audit_auditevent": Grant(table=("SELECT", "INSERT")),
    # A request starts, reads and cancels its organisation's jobs; the queue's own
    # table, worker heartbeats and schedules are the worker's (NO_ACCESS).
    "jobs_job": TENANT_DATA,
    # A person reads, marks read and chooses for their own notifications only (policies
    # in notifications 0002); notices to others are written by notifications.services
    # as the owner.
    "notifications_notification": TENANT_DATA,
    "notifications_notificationpreference": TENANT_DATA,
    "members_member": TENANT_DATA,
    "members_memberaccess": TENANT_DATA,
    "members_enrolmentspan": TENANT_DATA,
    "network_servicetype": REFERENCE,
    "network_organisationprofile": TENANT_DATA,
    "network_location": TENANT_DATA,
    "network_service": TENANT_DATA,
    "network_serviceatlocation": TENANT_DATA,
    "contracts_checklistitem": REFERENCE,
    "contracts_contract": TENANT_DATA,
    "contracts_contract_delivering_cbos": TENANT_DATA,
    "contracts_contractcontact": TENANT_DATA,
    "contracts_contractparty": TENANT_DATA,
    "contracts_datasharingterm": TENANT_DATA,
    "contracts_departure": TENANT_DATA,
    "contracts_escalationlevel": TENANT_DATA,
    "contracts_lifecycletask": TENANT_DATA,
    "contracts_servicedefinition": TENANT_DATA,
    "contracts_staffcredential": TENANT_DATA,
    "contracts_termsversion": TENANT_DATA,
    **{
        f"referrals_{name}": TENANT_DATA
        for name in (
            "referral", "referralevent", "outreachattempt", "screening", "need", "consent",
            "contactpreference", "servicedelivery", "pathway", "pathwaystep",
            "engagementvisit", "casenote", "escalation", "fundspend", "rankedlist",
            "rankedlistentry",
        )
    },
    **{
        f"population_{name}": TENANT_DATA
        for name in ("dataset", "criteriaset", "eligibilityrun", "handoff")
    },
    # Reporting, ROI area: runs and social measures belong to the contract's plan and hub
    # (row-level security); a renewal decision is recorded once and never changed.
    "reporting_roirun": TENANT_DATA,
    "reporting_socialmeasure": TENANT_DATA,
    "reporting_renewaldecision": Grant(table=("SELECT", "INSERT")),
    # Issued records are written once: no UPDATE or DELETE (triggers refuse them too).
    **{f"billing_{name}": Grant(table=("SELECT", "INSERT"))
       for name in ("statement", "statementline", "billdecision")},
    **{
        f"billing_{name}": TENANT_DATA
        for name in ("submission", "bill", "billline", "remittance", "remittanceitem",
                     "cbopayout", "contractbilling")
    },
    # Shipped schedules and hubs' own: read by requests, loaded by the hub's services.
    "billing_feeschedule": TENANT_DATA,
    "billing_feeschedulerow": TENANT_DATA,
    # The scorecard's facts are written by its refresh job (outside requests); requests
    # only read them (policies in reporting 0006_scorecard).
    "reporting_referralfact": Grant(table=("SELECT",)),
    "reporting_scorecardmonth": Grant(table=("SELECT",)),
    "reporting_scorecardrefresh": Grant(table=("SELECT",)),
    # File deliveries on time: written by the exchange's services for the contract's
    # parties (policy in reporting 0007_delivery_facts).
    "reporting_deliveryfact": Grant(table=("SELECT", "INSERT", "UPDATE")),
    # Reporting, CBO readiness: assessments, TA tasks, capacity funds, the resource
    # library (who writes what is narrowed by the policies in reporting 0003_readiness).
    **{
        f"reporting_{name}": TENANT_DATA
        for name in ("readinessassessment", "readinessanswer", "tatask", "capacityfund",
                     "resourcedocument")
    },
    # Community voice (reporting 0002_voice): councils, their members and meetings, touch
    # points and the feedback log; rows limited to the owner (a CBO: the items it sent).
    **{
        f"reporting_{name}": TENANT_DATA
        for name in ("advisorycouncil", "councilmember", "councilmeeting",
                     "councilmeeting_attendance", "touchpoint", "touchpoint_council_members",
                     "feedbackitem")
    },
    # Joint operating committee: rows limited to the committee's parties (reporting 0004_joc).
    **{
        f"reporting_{name}": TENANT_DATA
        for name in ("committee", "committeeparty", "committeemember", "meeting", "attendance",
                     "memberstory", "actionitem", "caseconferenceentry")
    },
    # File exchange (exchange 0002_deliveries): a contract's data sets and each delivery
    # with its receipt; rows limited to the contract's parties.
    "exchange_dataset": TENANT_DATA,
    "exchange_delivery": TENANT_DATA,
    # Organisation exports (exchange 0003_exports): rows limited to the organisation's
    # administrators.
    "exchange_export": TENANT_DATA,
    # FHIR: a source system's Task and ServiceRequest linked to the referral made from
    # them, and Procedures sent for services delivered; rows follow the referral's
    # policy (fhir 0004_tasks).
    "fhir_referrallink": TENANT_DATA,
    "fhir_procedurerecord": TENANT_DATA,
    # FHIR partner systems: pages read them (rows: the organisation and the hub that
    # administers it, fhir 0002_clients); registering and revoking write as the owner,
    # with OAuth2 applications and service users the tenant role may not touch.
    "fhir_partnersystem": Grant(table=("SELECT",)),
    # FHIR resources received and kept as received (policy in fhir 0003_records).
    "fhir_receivedresource": TENANT_DATA,
}

# Deliberately closed to requests (listed so that the choice is visible; any table not in
# TENANT_GRANTS is closed the same way): sessions are read and written by the session
# middleware outside the tenant role, sign-in (/accounts/) and Django's admin run as the
# owner, and audit seals are written only by the sealer (audit.services.seal).
NO_ACCESS: tuple[str, ...] = (
    "accounts_loginthrottle", "accounts_user_groups", "accounts_user_user_permissions",
    "audit_auditseal", "auth_group", "auth_group_permissions", "auth_permission",
    "django_admin_log", "django_content_type", "django_migrations", "django_session",
    "django_tasks_db_dbtaskresult", "jobs_scheduledrun", "jobs_workerheartbeat",
    "notifications_reminder",
    "otp_totp_totpdevice",
)
# The OAuth2 tables (django-oauth-toolkit) and used client assertions: the token endpoint
# and the FHIR decorator read them as the owner before the tenant role is entered.
NO_ACCESS += (
    "fhir_usedassertion", "oauth2_provider_accesstoken", "oauth2_provider_application",
    "oauth2_provider_devicegrant", "oauth2_provider_grant", "oauth2_provider_idtoken",
    "oauth2_provider_refreshtoken",
)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def grant_statements(table: str, grant: Grant, columns: list[str]) -> list[str]:
    """GRANT statements for `grant` on `table`, whose columns are `columns`."""
    statements = []
    if grant.table:
        statements.append(f"GRANT {', '.join(grant.table)} ON {quote(table)} TO {TENANT_ROLE}")
    by_privilege = dict(grant.columns)
    if grant.select_except:
        by_privilege["SELECT"] = tuple(c for c in columns if c not in grant.select_except)
    for privilege, cols in by_privilege.items():
        if cols:
            statements.append(
                f"GRANT {privilege} ({', '.join(quote(c) for c in cols)}) "
                f"ON {quote(table)} TO {TENANT_ROLE}"
            )
    return statements


def sync_tenant_grants(connection: Any) -> None:
    """Make the tenant role's privileges in `connection`'s database match TENANT_GRANTS.

    Revokes everything first (column privileges go with the table's), then grants the
    list; a listed table that does not exist yet is skipped (a later migration creates
    it and the next sync grants it).
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [TENANT_ROLE])
        if cursor.fetchone() is None:  # before tenancy 0002 creates it
            return
        cursor.execute(
            "SELECT c.relname, c.relkind FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
        )
        relations = cursor.fetchall()
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
        )
        columns: dict[str, list[str]] = {}
        for table, column in cursor.fetchall():
            columns.setdefault(table, []).append(column)
        statements = [
            f"REVOKE ALL ON {'SEQUENCE' if kind == 'S' else 'TABLE'} {quote(name)} FROM {TENANT_ROLE}"
            for name, kind in relations
        ]
        for name, kind in relations:
            grant = TENANT_GRANTS.get(name)
            if grant is not None and kind != "S":
                statements.extend(grant_statements(name, grant, columns.get(name, [])))
        cursor.execute(";\n".join(statements))


def sync_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """post_migrate: keep grants in step with the list (not on a test flush)."""
    if "plan" not in kwargs:
        return
    from django.db import connections

    sync_tenant_grants(connections[using])
