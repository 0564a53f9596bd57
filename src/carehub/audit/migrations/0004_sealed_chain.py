"""Requests insert events without a lock; the sealer chains them with a keyed MAC.

Events keep their `seq` (now the primary key, taken from a database sequence) and lose
the unkeyed hash columns and the locked head row. Existing events are sealed, in `seq`
order, by the first `carehub audit seal`.
"""

import django.db.models.deletion
from django.db import migrations, models

from carehub.tenancy.rls import TENANT_ROLE, PostgresOnlySQL

# Identity columns start at 1: continue after the events already recorded.
CONTINUE_SEQUENCE = """
SELECT setval(pg_get_serial_sequence('audit_auditevent', 'seq'), COALESCE(MAX(seq), 0) + 1, false)
FROM audit_auditevent;
"""

SEALS_APPEND_ONLY = f"""
CREATE OR REPLACE FUNCTION audit_seal_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit seals are append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_seal_append_only ON audit_auditseal;
CREATE TRIGGER audit_seal_append_only BEFORE UPDATE OR DELETE ON audit_auditseal
  FOR EACH ROW EXECUTE FUNCTION audit_seal_refuse_change();
-- Requests never seal: only the sealer (the database owner) writes or reads seals.
DO $$ BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{TENANT_ROLE}') THEN
    REVOKE ALL ON audit_auditseal FROM {TENANT_ROLE};
  END IF;
END $$;
"""  # nosec B608 # constant SQL: table, role and setting names are module constants


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_allow_owner_truncate")]

    operations = [
        migrations.DeleteModel(name="AuditChainHead"),
        migrations.RemoveField(model_name="auditevent", name="prev_hash"),
        migrations.RemoveField(model_name="auditevent", name="hash"),
        migrations.RemoveField(model_name="auditevent", name="id"),
        migrations.AlterField(
            model_name="auditevent", name="seq",
            field=models.BigAutoField(primary_key=True, serialize=False),
        ),
        PostgresOnlySQL(CONTINUE_SEQUENCE, reverse_sql=migrations.RunSQL.noop),
        migrations.CreateModel(
            name="AuditSeal",
            fields=[
                ("position", models.BigIntegerField(primary_key=True, serialize=False)),
                ("mac", models.CharField(max_length=64)),
                ("key_id", models.CharField(max_length=16)),
                ("sealed_at", models.DateTimeField(db_index=True)),
                ("high_event_seq", models.BigIntegerField()),
                ("event", models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name="seal",
                                               to="audit.auditevent")),
            ],
            options={"ordering": ["position"]},
        ),
        PostgresOnlySQL(SEALS_APPEND_ONLY, reverse_sql=migrations.RunSQL.noop),
    ]
