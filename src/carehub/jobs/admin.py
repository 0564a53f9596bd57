"""The operations view for platform staff: every job (site-wide scheduled runs included),
the workers' heartbeats and the schedule's last runs. Read-only: jobs are started,
cancelled and taken over by their services. Parameters, checkpoints, results and error
lists are left out (an import's errors may quote a row)."""

from django.contrib import admin

from carehub.audit.admin_site import ReadOnlyAdmin, site
from carehub.jobs.models import Job, ScheduledRun, WorkerHeartbeat


@admin.register(Job, site=site)
class JobAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "organisation", "status", "stage", "done", "total",
                    "attempts", "worker_id", "created_at", "finished_at")
    list_filter = ("status", "kind")
    fields = ("title", "kind", "organisation", "user", "role", "status", "stage", "done",
              "total", "message", "cancel_requested", "attempts", "task_path", "task_id",
              "worker_id", "created_at", "started_at", "heartbeat_at", "finished_at")
    search_fields = ("title", "kind", "id")
    ordering = ("-created_at",)

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).select_related("organisation")


@admin.register(WorkerHeartbeat, site=site)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("worker_id", "host", "pid", "started_at", "seen_at")
    ordering = ("-seen_at",)


@admin.register(ScheduledRun, site=site)
class ScheduledRunAdmin(ReadOnlyAdmin):
    list_display = ("name", "last_enqueued_at")
    ordering = ("name",)
