"""Login throttle rows keyed by a hash of the typed name, with a failure window.

Existing rows are dropped: they were keyed by the name itself, and at worst a lockout in
progress ends early.
"""

from django.db import migrations, models


def drop_rows(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("accounts", "LoginThrottle").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.RunPython(drop_rows, migrations.RunPython.noop),
        migrations.RemoveField(model_name="loginthrottle", name="username"),
        migrations.AddField(
            model_name="loginthrottle", name="key",
            field=models.CharField(max_length=64, unique=True, default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="loginthrottle", name="first_failure_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="loginthrottle", name="last_failure_at",
            field=models.DateTimeField(blank=True, db_index=True, null=True),
        ),
    ]
