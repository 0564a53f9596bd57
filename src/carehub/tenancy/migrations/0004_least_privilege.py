"""The request role gets only what requests need.

Tables: nothing by default, then exactly the list in `carehub.tenancy.grants` (also
re-applied after every migrate). Identity tables get row-level security: memberships are
read by their user and by the organisations that administer them, and created or changed
only by an administrator of such an organisation; users are created only by an
administrator and never as staff or superusers.
"""

from django.db import migrations

from carehub.tenancy.rls import (
    CURRENT_ROLE_SQL,
    CURRENT_USER_SQL,
    TENANT_ROLE,
    PostgresOnlySQL,
    managed_by_current_sql,
)

IS_ADMIN = f"{CURRENT_ROLE_SQL} = 'hub_admin'"

# The roles that fit each kind of organisation (ROLES_BY_KIND when this was written).
ROLE_FITS = (
    "EXISTS (SELECT 1 FROM tenancy_organisation fo WHERE fo.id = tenancy_membership.organisation_id "
    "AND (fo.kind, tenancy_membership.role) IN (VALUES "
    "('hub', 'hub_admin'), ('hub', 'hub_coordinator'), ('hub', 'auditor'), "
    "('cbo', 'cbo_supervisor'), ('cbo', 'cbo_worker'), ('cbo', 'auditor'), "
    "('payer', 'payer_manager'), ('payer', 'payer_analyst'), ('payer', 'auditor')))"
)
MANAGED = managed_by_current_sql("tenancy_membership.organisation_id")

DEFAULTS = f"""
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM {TENANT_ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM {TENANT_ROLE};
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {TENANT_ROLE};
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {TENANT_ROLE};
"""
DEFAULTS_BACK = f"""
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {TENANT_ROLE};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {TENANT_ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {TENANT_ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {TENANT_ROLE};
"""

MEMBERSHIP_POLICIES = f"""
ALTER TABLE tenancy_membership ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_read ON tenancy_membership;
DROP POLICY IF EXISTS tenant_insert ON tenancy_membership;
DROP POLICY IF EXISTS tenant_update ON tenancy_membership;
CREATE POLICY tenant_read ON tenancy_membership FOR SELECT
  USING (tenancy_membership.user_id = {CURRENT_USER_SQL} OR {MANAGED});
CREATE POLICY tenant_insert ON tenancy_membership FOR INSERT
  WITH CHECK ({IS_ADMIN} AND {MANAGED} AND {ROLE_FITS});
CREATE POLICY tenant_update ON tenancy_membership FOR UPDATE
  USING ({IS_ADMIN} AND {MANAGED})
  WITH CHECK ({IS_ADMIN} AND {MANAGED} AND {ROLE_FITS});
"""
MEMBERSHIP_POLICIES_BACK = """
DROP POLICY IF EXISTS tenant_read ON tenancy_membership;
DROP POLICY IF EXISTS tenant_insert ON tenancy_membership;
DROP POLICY IF EXISTS tenant_update ON tenancy_membership;
ALTER TABLE tenancy_membership DISABLE ROW LEVEL SECURITY;
"""

# Names are shown across organisations (actors on shared referrals), so every row is
# readable; the password column is not (see grants.py).
USER_POLICIES = f"""
ALTER TABLE accounts_user ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_read ON accounts_user;
DROP POLICY IF EXISTS tenant_insert ON accounts_user;
DROP POLICY IF EXISTS tenant_update ON accounts_user;
CREATE POLICY tenant_read ON accounts_user FOR SELECT USING (true);
CREATE POLICY tenant_insert ON accounts_user FOR INSERT
  WITH CHECK ({IS_ADMIN} AND NOT accounts_user.is_staff AND NOT accounts_user.is_superuser);
CREATE POLICY tenant_update ON accounts_user FOR UPDATE
  USING (accounts_user.id = {CURRENT_USER_SQL} OR ({IS_ADMIN} AND EXISTS (
    SELECT 1 FROM tenancy_membership um WHERE um.user_id = accounts_user.id
    AND {managed_by_current_sql("um.organisation_id")})));
"""  # nosec B608 # constant SQL: table, role and setting names are module constants
USER_POLICIES_BACK = """
DROP POLICY IF EXISTS tenant_read ON accounts_user;
DROP POLICY IF EXISTS tenant_insert ON accounts_user;
DROP POLICY IF EXISTS tenant_update ON accounts_user;
ALTER TABLE accounts_user DISABLE ROW LEVEL SECURITY;
"""


def sync_grants(apps, schema_editor):  # type: ignore[no-untyped-def]
    from carehub.tenancy.grants import sync_tenant_grants

    sync_tenant_grants(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0003_acceptance"),
        ("accounts", "0001_initial"),
        ("audit", "0003_allow_owner_truncate"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("sessions", "0001_initial"),
        ("otp_totp", "0003_add_timestamps"),
    ]
    operations = [
        PostgresOnlySQL(DEFAULTS, reverse_sql=DEFAULTS_BACK),
        PostgresOnlySQL(MEMBERSHIP_POLICIES, reverse_sql=MEMBERSHIP_POLICIES_BACK),
        PostgresOnlySQL(USER_POLICIES, reverse_sql=USER_POLICIES_BACK),
        migrations.RunPython(sync_grants, migrations.RunPython.noop),
    ]
