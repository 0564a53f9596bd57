"""CBO readiness: assessments, technical-assistance tasks, capacity funds, the resource
library; row-level security for each."""

from decimal import Decimal

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from carehub.tenancy.rls import CURRENT_ORG_SQL, PostgresOnlySQL, enable_rls

ORG = CURRENT_ORG_SQL


def plan_sees(table: str) -> str:
    """A plan sees readiness of the CBOs delivering on its contracts."""
    # SQL from module constants and names written here, never input.
    return ("EXISTS (SELECT 1 FROM contracts_contractparty payer "  # nosec B608
            "JOIN contracts_contractparty cbo ON cbo.contract_id = payer.contract_id "
            f"WHERE payer.organisation_id = {ORG} AND payer.role = 'payer' "
            f"AND cbo.organisation_id = {table}.cbo_id AND cbo.role IN ('delivering', 'leaving'))")


def sides(table: str, *columns: str) -> str:
    return " OR ".join(f"{table}.{column} = {ORG}" for column in columns)


def writers(table: str, update: str, delete: str) -> PostgresOnlySQL:
    """Narrower update and delete policies than the read policy enable_rls sets."""
    return PostgresOnlySQL(sql=f"""
        DROP POLICY IF EXISTS tenant_update ON {table};
        DROP POLICY IF EXISTS tenant_delete ON {table};
        CREATE POLICY tenant_update ON {table} FOR UPDATE USING ({update}) WITH CHECK ({update});
        CREATE POLICY tenant_delete ON {table} FOR DELETE USING ({delete});
        """, reverse_sql=migrations.RunSQL.noop)


ASSESSMENT = "reporting_readinessassessment"
ANSWER = "reporting_readinessanswer"
TASK = "reporting_tatask"
FUND = "reporting_capacityfund"
DOCUMENT = "reporting_resourcedocument"
ANSWER_READ = f"EXISTS (SELECT 1 FROM {ASSESSMENT} a WHERE a.id = {ANSWER}.assessment_id)"  # nosec B608
OWN_ASSESSMENT = (f"EXISTS (SELECT 1 FROM {ASSESSMENT} a WHERE a.id = {ANSWER}.assessment_id "  # nosec B608
                  f"AND a.hub_id = {ORG})")
FUNDER_SEES = (f"EXISTS (SELECT 1 FROM {FUND} f WHERE f.id = {TASK}.fund_id "  # nosec B608
               f"AND f.funder_id = {ORG})")
NETWORK_READS = (f"{DOCUMENT}.shared AND EXISTS (SELECT 1 FROM tenancy_networkmember m "  # nosec B608
                 f"JOIN tenancy_network n ON n.id = m.network_id WHERE n.hub_id = {DOCUMENT}.hub_id "
                 f"AND m.cbo_id = {ORG} AND m.status = 'accepted' AND m.left IS NULL)")


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0009_scorecard_goals'),
        ('reporting', '0002_voice'),
        ('tenancy', '0004_least_privilege'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CapacityFund',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12, validators=[django.core.validators.MinValueValidator(Decimal('0.01'))])),
                ('purpose', models.CharField(max_length=300)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('cbo', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.organisation')),
                ('contract', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contracts.contract')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('funder', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.organisation')),
                ('hub', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.organisation')),
            ],
            options={
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='ReadinessAssessment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('assessed_on', models.DateField()),
                ('notes', models.TextField(blank=True)),
                ('overall', models.PositiveSmallIntegerField(default=0)),
                ('by_domain', models.JSONField(default=dict)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('assessed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('cbo', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.organisation')),
                ('hub', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.organisation')),
            ],
            options={
                'ordering': ['-assessed_on', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='ReadinessAnswer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('domain', models.CharField(choices=[('billing', 'Billing'), ('data', 'Data and technology'), ('privacy', 'Privacy and HIPAA'), ('staffing', 'Staffing'), ('finance', 'Finance'), ('governance', 'Governance')], max_length=20)),
                ('question', models.CharField(max_length=40)),
                ('value', models.PositiveSmallIntegerField(choices=[(0, 'Not in place'), (1, 'Partly'), (2, 'In place')], validators=[django.core.validators.MaxValueValidator(2)])),
                ('note', models.CharField(blank=True, max_length=500)),
                ('assessment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='answers', to='reporting.readinessassessment')),
            ],
        ),
        migrations.CreateModel(
            name='ResourceDocument',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=200)),
                ('kind', models.CharField(choices=[('contract_template', 'Contract template'), ('scope_template', 'Scope-of-work template'), ('payment_terms_template', 'Payment-terms template'), ('example_model', 'Example payment model'), ('guide', 'Guide')], max_length=30)),
                ('description', models.CharField(blank=True, max_length=500)),
                ('text', models.TextField(blank=True)),
                ('filename', models.CharField(blank=True, max_length=200)),
                ('stored_name', models.CharField(blank=True, max_length=80)),
                ('content_type', models.CharField(blank=True, max_length=100)),
                ('size', models.PositiveIntegerField(default=0)),
                ('shared', models.BooleanField(default=True, verbose_name='shared with the network')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('hub', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.organisation')),
            ],
            options={
                'ordering': ['kind', 'title', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='TaTask',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('domain', models.CharField(blank=True, choices=[('billing', 'Billing'), ('data', 'Data and technology'), ('privacy', 'Privacy and HIPAA'), ('staffing', 'Staffing'), ('finance', 'Finance'), ('governance', 'Governance')], max_length=20)),
                ('title', models.CharField(max_length=120)),
                ('owner_name', models.CharField(blank=True, help_text='When the owner has no account here.', max_length=120)),
                ('due', models.DateField(blank=True, null=True)),
                ('status', models.CharField(choices=[('open', 'Open'), ('in_progress', 'In progress'), ('done', 'Done')], default='open', max_length=12)),
                ('done_on', models.DateField(blank=True, null=True)),
                ('milestone_amount', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('assessment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='tasks', to='reporting.readinessassessment')),
                ('cbo', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.organisation')),
                ('fund', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='milestones', to='reporting.capacityfund')),
                ('hub', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.organisation')),
                ('owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['status', 'due', 'pk'],
            },
        ),
        migrations.AddIndex(
            model_name='readinessassessment',
            index=models.Index(fields=['cbo', 'assessed_on'], name='reporting_r_cbo_id_efe980_idx'),
        ),
        migrations.AddConstraint(
            model_name='readinessanswer',
            constraint=models.UniqueConstraint(fields=('assessment', 'question'), name='readiness_answer_once'),
        ),
        migrations.AddConstraint(
            model_name='tatask',
            constraint=models.UniqueConstraint(fields=('fund', 'title'), name='ta_milestone_name_once'),
        ),
        migrations.AddConstraint(
            model_name='tatask',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('fund__isnull', True), ('milestone_amount__isnull', True)), models.Q(('fund__isnull', False), ('milestone_amount__isnull', False)), _connector='OR'), name='ta_milestone_has_fund_and_amount'),
        ),
        enable_rls(ASSESSMENT, f"{sides(ASSESSMENT, 'hub_id', 'cbo_id')} OR {plan_sees(ASSESSMENT)}",
                   insert_check=sides(ASSESSMENT, "hub_id")),
        writers(ASSESSMENT, sides(ASSESSMENT, "hub_id"), sides(ASSESSMENT, "hub_id")),
        enable_rls(ANSWER, ANSWER_READ,
                   insert_check=OWN_ASSESSMENT),
        writers(ANSWER, OWN_ASSESSMENT, OWN_ASSESSMENT),
        enable_rls(FUND, f"{sides(FUND, 'hub_id', 'cbo_id', 'funder_id')} OR {plan_sees(FUND)}",
                   insert_check=sides(FUND, "hub_id", "funder_id")),
        writers(FUND, sides(FUND, "hub_id", "funder_id"), sides(FUND, "hub_id")),
        enable_rls(TASK, f"{sides(TASK, 'hub_id', 'cbo_id')} OR {plan_sees(TASK)} OR {FUNDER_SEES}",
                   insert_check=sides(TASK, "hub_id")),
        # The CBO marks its own tasks done; only the hub removes them.
        writers(TASK, sides(TASK, "hub_id", "cbo_id"), sides(TASK, "hub_id")),
        enable_rls(DOCUMENT, f"{sides(DOCUMENT, 'hub_id')} OR ({NETWORK_READS})",
                   insert_check=sides(DOCUMENT, "hub_id")),
        writers(DOCUMENT, sides(DOCUMENT, "hub_id"), sides(DOCUMENT, "hub_id")),
    ]
