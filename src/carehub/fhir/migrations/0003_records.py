import django.db.models.deletion
from django.db import migrations, models

import carehub.fhir.models.records
from carehub.tenancy.rls import CURRENT_ORG_SQL, enable_rls

# A received resource is its receiving organisation's; one about a member of carehub's is
# visible only while the member is (the member policy applies inside the sub-select).
RECEIVED_VISIBLE = (
    f"fhir_receivedresource.organisation_id = {CURRENT_ORG_SQL} AND "
    "(fhir_receivedresource.member_id IS NULL OR EXISTS (SELECT 1 FROM members_member m "
    "WHERE m.id = fhir_receivedresource.member_id))"
)


class Migration(migrations.Migration):

    dependencies = [
        ('fhir', '0001_initial'),
        ('members', '0003_member_phone_and_email'),
        ('tenancy', '0004_least_privilege'),
    ]

    operations = [
        migrations.CreateModel(
            name='ReceivedResource',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('resource_type', models.CharField(max_length=64)),
                ('logical_id', models.CharField(default=carehub.fhir.models.records.new_logical_id, max_length=64)),
                ('version_id', models.PositiveIntegerField(default=1)),
                ('resource', models.JSONField(help_text='The resource as received.')),
                ('subject', models.CharField(blank=True, max_length=200)),
                ('received_from', models.CharField(blank=True, help_text="The partner system's client_id, if any.", max_length=200)),
                ('sender_id', models.CharField(blank=True, max_length=64)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('member', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='members.member')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.organisation')),
            ],
            options={
                'indexes': [models.Index(fields=['organisation', 'resource_type', 'updated_at', 'id'], name='received_by_type_updated'), models.Index(fields=['organisation', 'resource_type', 'subject'], name='received_by_subject')],
                'constraints': [models.UniqueConstraint(fields=('organisation', 'resource_type', 'logical_id'), name='received_resource_once')],
            },
        ),
        enable_rls("fhir_receivedresource", RECEIVED_VISIBLE),
    ]
