"""Partner systems on the FHIR API and the client assertions they used.

A partner system belongs to one organisation: it is read by that organisation and by
the hub that administers it (its network), like memberships. Used assertions are
identity data of the token endpoint, which runs as the owner: no grant, no policy."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from carehub.tenancy.rls import enable_rls, managed_by_current_sql


class Migration(migrations.Migration):

    dependencies = [
        ('fhir', '0001_initial'),
        ('tenancy', '0004_least_privilege'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('oauth2_provider', '0022_refreshtoken_token_family_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='PartnerSystem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200)),
                ('client_id', models.CharField(max_length=100, unique=True)),
                ('role', models.CharField(max_length=20)),
                ('jwks', models.JSONField(blank=True, default=dict)),
                ('jwks_url', models.URLField(blank=True, max_length=500)),
                ('scopes', models.TextField()),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('application', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='partner_system', to=settings.OAUTH2_PROVIDER_APPLICATION_MODEL)),
                ('membership', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='partner_system', to='tenancy.membership')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='partner_systems', to='tenancy.organisation')),
                ('registered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('revoked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('service_user', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='partner_system', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['organisation__name', 'name', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='UsedAssertion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('client_id', models.CharField(max_length=100)),
                ('jti', models.CharField(max_length=255)),
                ('expires_at', models.DateTimeField(db_index=True)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('client_id', 'jti'), name='assertion_jti_once')],
            },
        ),
        enable_rls("fhir_partnersystem", managed_by_current_sql("fhir_partnersystem.organisation_id")),
    ]
