from django.db import migrations

from carehub.tenancy.rls import CURRENT_USER_SQL, enable_rls


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial"), ("tenancy", "0002_tenant_role")]
    operations = [
        # A person's notifications and choices are theirs alone, whichever organisation
        # they act for; notices to others are written by the owner (services.notify).
        enable_rls("notifications_notification", f"recipient_id = {CURRENT_USER_SQL}"),
        enable_rls("notifications_notificationpreference", f"user_id = {CURRENT_USER_SQL}"),
    ]
