from django.db import migrations

from carehub.tenancy.rls import CREATE_TENANT_ROLE, PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0001_initial"), ("accounts", "0001_initial")]
    operations = [PostgresOnlySQL(CREATE_TENANT_ROLE, reverse_sql=migrations.RunSQL.noop)]
