import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from carehub.tenancy.rls import CURRENT_ORG_SQL, enable_rls


def payer_or_hub(table: str) -> str:
    """ROI, social measures and renewal decisions belong to the contract's plan and hub."""
    return f"{table}.payer_id = {CURRENT_ORG_SQL} OR {table}.hub_id = {CURRENT_ORG_SQL}"


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0009_scorecard_goals'),
        ('jobs', '0002_row_level_security'),
        ('population', '0002_row_level_security'),
        ('reporting', '0004_joc'),
        ('tenancy', '0004_least_privilege'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='RoiRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('roster_path', models.CharField(max_length=400)),
                ('claims_path', models.CharField(max_length=400)),
                ('engine', models.CharField(default='duckdb', max_length=10)),
                ('baseline_months', models.PositiveSmallIntegerField(default=6)),
                ('follow_up_months', models.PositiveSmallIntegerField(default=6)),
                ('bootstrap', models.PositiveIntegerField(default=1000)),
                ('seed', models.BigIntegerField(default=20260101)),
                ('paid_given', models.DecimalField(blank=True, decimal_places=2, help_text='paid to the hub and CBOs, when given by hand', max_digits=14, null=True)),
                ('status', models.CharField(choices=[('queued', 'Waiting'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='queued', max_length=10)),
                ('results', models.JSONField(blank=True, default=dict)),
                ('error', models.TextField(blank=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('contract', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contracts.contract')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('dataset', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='population.dataset')),
                ('hub', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.organisation')),
                ('job', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='jobs.job')),
                ('payer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.organisation')),
            ],
        ),
        migrations.CreateModel(
            name='RenewalDecision',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('decision', models.CharField(choices=[('renew', 'Renew as it is'), ('adjust', 'Renew with adjusted terms'), ('scale', 'Scale up'), ('wind_down', 'Wind down')], max_length=10)),
                ('reasons', models.TextField()),
                ('transition_plan', models.TextField(blank=True, help_text='required when winding down')),
                ('members_to_transition', models.PositiveIntegerField(default=0, help_text='active members when the decision was recorded')),
                ('decided_at', models.DateTimeField()),
                ('contract', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contracts.contract')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('decided_organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.organisation')),
                ('hub', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.organisation')),
                ('payer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.organisation')),
                ('roi_run', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='reporting.roirun')),
            ],
            options={
                'ordering': ['-decided_at'],
            },
        ),
        migrations.CreateModel(
            name='SocialMeasure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=120)),
                ('counts', models.CharField(choices=[('service_units', 'Units of service deliveries of a service code'), ('pathways_completed', 'Completed pathways of a kind'), ('needs_met', 'Needs met in a domain')], max_length=20)),
                ('code', models.CharField(help_text='the service code, pathway kind or domain', max_length=40)),
                ('unit', models.CharField(help_text='the unit word, e.g. meals, households', max_length=40)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('contract', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='contracts.contract')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('hub', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.organisation')),
                ('payer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.organisation')),
            ],
            options={
                'ordering': ['name'],
            },
        ),
        migrations.AddIndex(
            model_name='roirun',
            index=models.Index(fields=['contract', '-created_at'], name='roi_run_contract'),
        ),
        migrations.AddConstraint(
            model_name='renewaldecision',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('decision', 'wind_down'), _negated=True), models.Q(('transition_plan', ''), _negated=True), _connector='OR'), name='wind_down_has_transition_plan'),
        ),
        migrations.AddConstraint(
            model_name='socialmeasure',
            constraint=models.UniqueConstraint(fields=('contract', 'name'), name='social_measure_once_per_contract'),
        ),
        *(enable_rls(table, payer_or_hub(table)) for table in (
        "reporting_roirun", "reporting_socialmeasure", "reporting_renewaldecision")),
    ]
