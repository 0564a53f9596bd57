from django.db import migrations

from carehub.tenancy.rls import CURRENT_ORG_SQL, PostgresOnlySQL, enable_rls

REFUSE_CHANGES = """
CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
  FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change();
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial"), ("tenancy", "0002_tenant_role")]
    operations = [
        PostgresOnlySQL(REFUSE_CHANGES, reverse_sql=migrations.RunSQL.noop),
        enable_rls("audit_auditevent", f"organisation_id = {CURRENT_ORG_SQL}"),
    ]
