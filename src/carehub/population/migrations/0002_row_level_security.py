from django.db import migrations

from carehub.tenancy.rls import CURRENT_ORG_SQL, enable_rls


class Migration(migrations.Migration):
    dependencies = [("population", "0001_initial"), ("tenancy", "0002_tenant_role")]
    # A plan's extracts, criteria and runs are its own: no other organisation reads them.
    operations = [
        enable_rls(f"population_{table}", f"plan_id = {CURRENT_ORG_SQL}")
        for table in ("dataset", "criteriaset", "eligibilityrun", "handoff")
    ]
