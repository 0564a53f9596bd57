from django.db import migrations

from carehub.network.visibility import visibility_sql
from carehub.tenancy.rls import CURRENT_ORG_SQL, enable_rls

# The seeds' Scope of Work Checklist, every row, worded as the seeds word it:
# (section, group, provision, rule, has a due date column).
CHECKLIST = [
    ("WHO", "Population definition", "Eligible population", "eligible_population", False),
    ("WHO", "Population definition", "Prioritization criteria, if applicable", "prioritisation",
     False),
    ("WHO", "Population definition", "Service volume–min/max", "volume", False),
    ("WHO", "Staffing licensure, training and accountability",
     "Required staff licensures, if applicable", "licences", True),
    ("WHO", "Staffing licensure, training and accountability", "Credentialing process for staff",
     "credentialing", True),
    ("WHO", "Staffing licensure, training and accountability", "Staff trainings", "trainings", True),
    ("WHO", "Staffing licensure, training and accountability", "Organizational contacts",
     "contacts", True),
    ("WHO", "Staffing licensure, training and accountability", "Escalation pathway",
     "escalation_pathway", True),
    ("WHAT", "Defining the service provided", "Service activities", "service_activities", False),
    ("WHAT", "Defining the service provided", "Service initiation, duration and termination",
     "service_span", False),
    ("WHAT", "Defining the service provided", "Service setting", "service_setting", False),
    ("WHAT", "Workflows for contracted services", "Workflows for major activities", "workflows",
     False),
    ("WHAT", "Workflows for contracted services", "Escalation process", "escalation_process",
     False),
    ("WHAT", "Pre-launch activities and evaluation", "Credentialing process",
     "task_credentialing", False),
    ("WHAT", "Pre-launch activities and evaluation", "Staff training", "task_training", False),
    ("WHAT", "Pre-launch activities and evaluation", "Data security review", "task_data_security",
     False),
    ("WHAT", "Pre-launch activities and evaluation", "IT application onboarding",
     "task_it_onboarding", False),
    ("WHAT", "Pre-launch activities and evaluation",
     "Referral and reporting workflow development (if not specified in SOW)", "task_workflows",
     False),
    ("HOW", "Data sharing and documentation", "IT platforms to be used by parties", "it_platforms",
     False),
    ("HOW", "Data sharing and documentation",
     "Data reporting requirements to health care partner- what, when, how", "data_to_payer", False),
    ("HOW", "Data sharing and documentation",
     "Data shared with Community-Based Organization/Community Care Hub- what, how, when",
     "data_to_provider", False),
    ("HOW", "Flexibility", "Revisit contract terms mid- contract", "revisit", True),
]


def seed_checklist(apps, schema_editor):  # type: ignore[no-untyped-def]
    ChecklistItem = apps.get_model("contracts", "ChecklistItem")
    for position, (section, group, text, rule, due) in enumerate(CHECKLIST, start=1):
        ChecklistItem.objects.update_or_create(
            rule=rule, defaults={"section": section, "group": group, "text": text,
                                 "has_due_date": due, "position": position, "required": True},
        )


def unseed_checklist(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("contracts", "ChecklistItem").objects.all().delete()


PARTY = (
    "EXISTS (SELECT 1 FROM contracts_contractparty p "
    "WHERE p.contract_id = {table}.contract_id)"
)


class Migration(migrations.Migration):
    dependencies = [("contracts", "0002_initial"), ("tenancy", "0002_tenant_role")]
    operations = [
        migrations.RunPython(seed_checklist, unseed_checklist),
        # A party row is visible to its own organisation; a contract to its parties.
        enable_rls("contracts_contractparty",
                   f"contracts_contractparty.organisation_id = {CURRENT_ORG_SQL}"),
        enable_rls(
            "contracts_contract",
            "EXISTS (SELECT 1 FROM contracts_contractparty p "
            "WHERE p.contract_id = contracts_contract.id)",
        ),
        *[
            enable_rls(table, PARTY.format(table=table))
            for table in (
                "contracts_contractcontact", "contracts_servicedefinition",
                "contracts_escalationlevel", "contracts_datasharingterm",
                "contracts_lifecycletask", "contracts_termsversion",
            )
        ],
        enable_rls("contracts_staffcredential",
                   visibility_sql("contracts_staffcredential.organisation_id")),
    ]
