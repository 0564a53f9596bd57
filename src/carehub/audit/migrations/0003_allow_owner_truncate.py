from django.db import migrations

from carehub.tenancy.rls import PostgresOnlySQL

# Requests never hold TRUNCATE (the tenant role is granted SELECT, INSERT, UPDATE and
# DELETE only, and the trigger refuses the last two). Emptying the table is left to the
# database owner, as test databases must be flushed between transactional tests.
DROP_TRUNCATE_TRIGGER = "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;"


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]
    operations = [PostgresOnlySQL(DROP_TRUNCATE_TRIGGER, reverse_sql=migrations.RunSQL.noop)]
