from django.db import migrations

from carehub.tenancy.rls import CURRENT_ORG_SQL, enable_rls

MEMBER_VISIBLE = (
    f"plan_id = {CURRENT_ORG_SQL} OR EXISTS (SELECT 1 FROM members_memberaccess a "  # nosec B608 # constant SQL
    f"WHERE a.member_id = members_member.id AND a.organisation_id = {CURRENT_ORG_SQL})"
)
# Child rows are visible exactly when their member is (the member policy applies inside).
VIA_MEMBER = "EXISTS (SELECT 1 FROM members_member m WHERE m.id = members_enrolmentspan.member_id)"


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial"), ("tenancy", "0002_tenant_role")]
    operations = [
        enable_rls("members_member", MEMBER_VISIBLE),
        enable_rls("members_memberaccess", f"organisation_id = {CURRENT_ORG_SQL}"),
        enable_rls("members_enrolmentspan", VIA_MEMBER),
    ]
