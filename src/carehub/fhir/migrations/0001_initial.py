from django.db import migrations


class Migration(migrations.Migration):
    """The app's first step; each area's tables follow in their own migration."""

    initial = True
    dependencies = []  # type: ignore[var-annotated]
    operations = []  # type: ignore[var-annotated]
