from django.db import migrations

from carehub.tenancy.rls import CURRENT_ORG_SQL, enable_rls

# A referral is visible to the organisation that owns it, its hub and its plan.
REFERRAL_VISIBLE = (
    f"referrals_referral.organisation_id = {CURRENT_ORG_SQL} "
    f"OR referrals_referral.hub_id = {CURRENT_ORG_SQL} "
    f"OR referrals_referral.plan_id = {CURRENT_ORG_SQL}"
)


def via_referral(table: str) -> str:
    # The referral policy applies inside the sub-select.
    return f"EXISTS (SELECT 1 FROM referrals_referral r WHERE r.id = {table}.referral_id)"  # nosec B608 # fixed table names


def via_member(table: str) -> str:
    return f"EXISTS (SELECT 1 FROM members_member m WHERE m.id = {table}.member_id)"  # nosec B608 # fixed table names


RANKED_VISIBLE = (
    f"referrals_rankedlist.plan_id = {CURRENT_ORG_SQL} "
    f"OR referrals_rankedlist.hub_id = {CURRENT_ORG_SQL}"
)
ENTRY_VISIBLE = (
    "EXISTS (SELECT 1 FROM referrals_rankedlist l "
    "WHERE l.id = referrals_rankedlistentry.ranked_list_id)"
)
STEP_VISIBLE = (
    "EXISTS (SELECT 1 FROM referrals_pathway p WHERE p.id = referrals_pathwaystep.pathway_id)"
)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial"), ("members", "0002_row_level_security")]
    operations = [
        enable_rls("referrals_referral", REFERRAL_VISIBLE),
        *[enable_rls(t, via_referral(t)) for t in (
            "referrals_referralevent", "referrals_outreachattempt", "referrals_servicedelivery",
            "referrals_pathway", "referrals_engagementvisit", "referrals_casenote",
            "referrals_escalation", "referrals_fundspend",
        )],
        *[enable_rls(t, via_member(t)) for t in (
            "referrals_screening", "referrals_need", "referrals_consent",
            "referrals_contactpreference",
        )],
        enable_rls("referrals_pathwaystep", STEP_VISIBLE),
        enable_rls("referrals_rankedlist", RANKED_VISIBLE),
        enable_rls("referrals_rankedlistentry", ENTRY_VISIBLE),
    ]
