from django.db import migrations

from carehub.network.visibility import visibility_sql
from carehub.tenancy.rls import enable_rls

# Stable slugs: other apps and contracts refer to them.
SERVICE_TYPES = [
    ("hrsn-assessment", "HRSN assessment", "Assessment for health-related social needs"),
    ("nutrition", "Nutrition", "Nutrition program: medically tailored meals, produce, pantry"),
    ("care-coordination", "Care coordination", "Community-based care coordination"),
    ("care-management", "Care management", "Care management"),
    ("tenancy-support", "Tenancy support", "Tenancy support"),
    ("diabetes-prevention", "Diabetes prevention", "Diabetes prevention"),
    ("diabetes-self-management", "Diabetes self-management", "Diabetes self-management"),
    ("civil-legal", "Civil legal services", "Civil legal services"),
    ("medical-respite", "Medical respite", "Medical respite services"),
    ("home-care", "Home care", "Home care"),
    ("caregiver-support", "Caregiver support", "Caregiver support"),
    ("transportation", "Transportation", "Transportation"),
    ("transition-support", "Transition support", "Transition support"),
]


def seed_types(apps, schema_editor):  # type: ignore[no-untyped-def]
    ServiceType = apps.get_model("network", "ServiceType")
    for position, (slug, name, description) in enumerate(SERVICE_TYPES, start=1):
        ServiceType.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )


def unseed_types(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("network", "ServiceType").objects.filter(
        slug__in=[s for s, _, _ in SERVICE_TYPES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("network", "0001_initial"), ("tenancy", "0002_tenant_role")]
    operations = [
        migrations.RunPython(seed_types, unseed_types),
        enable_rls("network_organisationprofile",
                   visibility_sql("network_organisationprofile.organisation_id")),
        enable_rls("network_location", visibility_sql("network_location.organisation_id")),
        enable_rls("network_service", visibility_sql("network_service.organisation_id")),
        enable_rls(
            "network_serviceatlocation",
            "EXISTS (SELECT 1 FROM network_service s "
            "WHERE s.id = network_serviceatlocation.service_id)",
        ),
    ]
