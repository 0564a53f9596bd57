from django.contrib import admin

from carehub.audit.admin_site import ReadOnlyAdmin, site
from carehub.audit.models import AuditEvent


@admin.register(AuditEvent, site=site)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the trail is append-only. Reading it here is itself audited."""

    list_display = ("seq", "occurred_at", "actor_name", "organisation", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
