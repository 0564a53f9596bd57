"""Organisation exports: the table, and row-level security limiting its rows to the
acting organisation's administrators (the roles of tenancy.roles.ORGANISATION_ADMINS)."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from carehub.tenancy.rls import CURRENT_ORG_SQL, CURRENT_ROLE_SQL, enable_rls

# The SQL twin of tenancy.roles.ORGANISATION_ADMINS, fixed here as the migration ran.
ADMINS = "('hub_admin', 'payer_manager', 'cbo_supervisor')"
OWN_ADMIN = f"organisation_id = {CURRENT_ORG_SQL} AND {CURRENT_ROLE_SQL} IN {ADMINS}"


class Migration(migrations.Migration):

    dependencies = [
        ('exchange', '0002_deliveries'),
        ('jobs', '0002_row_level_security'),
        ('tenancy', '0004_least_privilege'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Export',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('format', models.CharField(choices=[('csv', 'CSV'), ('parquet', 'Parquet')], max_length=8)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('file_name', models.CharField(blank=True, max_length=120)),
                ('size', models.BigIntegerField(blank=True, help_text='bytes of the zip', null=True)),
                ('rows', models.BigIntegerField(blank=True, help_text='rows over all tables', null=True)),
                ('members', models.BigIntegerField(blank=True, help_text='members exported', null=True)),
                ('sha256', models.CharField(blank=True, help_text='of the zip', max_length=64)),
                ('job', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='jobs.job')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.organisation')),
                ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at'],
                'indexes': [models.Index(fields=['organisation', '-created_at'], name='export_org_recent')],
            },
        ),
        enable_rls("exchange_export", OWN_ADMIN),
    ]
