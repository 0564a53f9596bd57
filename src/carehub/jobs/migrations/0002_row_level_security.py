from django.db import migrations

from carehub.tenancy.rls import CURRENT_ORG_SQL, enable_rls


class Migration(migrations.Migration):
    dependencies = [("jobs", "0001_initial"), ("tenancy", "0002_tenant_role")]
    operations = [
        # An organisation's people see its jobs; the pages narrow that to their own.
        enable_rls("jobs_job", f"organisation_id = {CURRENT_ORG_SQL}"),
    ]
