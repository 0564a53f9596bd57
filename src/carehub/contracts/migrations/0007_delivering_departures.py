"""A delivering CBO leaving a contract: the departure record, and the leaving party role.
A departure is visible to the contract's parties, like the contract's other rows."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from carehub.tenancy.rls import enable_rls


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0006_contract_ends_on_or_after_start'),
        ('tenancy', '0004_least_privilege'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='contractparty',
            name='role',
            field=models.CharField(choices=[('payer', 'Payer'), ('provider', 'Provider'), ('delivering', 'Delivering CBO'), ('leaving', 'Leaving CBO')], max_length=12),
        ),
        migrations.CreateModel(
            name='Departure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('started_by', models.CharField(choices=[('hub', 'Removed by the hub'), ('cbo', 'Withdrawn by the CBO')], max_length=4)),
                ('reason', models.TextField(blank=True)),
                ('requested_at', models.DateTimeField()),
                ('let_finish', models.JSONField(blank=True, default=list)),
                ('left_at', models.DateTimeField(blank=True, null=True)),
                ('contract', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='departures', to='contracts.contract')),
                ('organisation', models.ForeignKey(help_text='the CBO leaving', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.organisation')),
                ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-requested_at', 'pk'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('left_at__isnull', True)), fields=('contract', 'organisation'), name='departure_open_once')],
            },
        ),
        enable_rls("contracts_departure",
                   "EXISTS (SELECT 1 FROM contracts_contractparty p "
                   "WHERE p.contract_id = contracts_departure.contract_id)"),
]
