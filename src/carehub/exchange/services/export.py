"""Writers of organisation exports: start one (a job), record the finished bundle, and
delete one with its file. Each takes `acting`, runs in a transaction, and is audited."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from carehub.audit import services as audit
from carehub.exchange.export_bundle import FORMATS, Manifest
from carehub.exchange.models import Export
from carehub.exchange.selectors.export import READERS, export_path
from carehub.jobs import services as jobs
from carehub.jobs.models import FINISHED
from carehub.tenancy.access import Acting

EXPORT_KIND = "exchange.export"


class ExportError(Exception):
    pass


def start_export(*, fmt: str, acting: Acting) -> Export:
    """Record an export of everything the acting organisation holds and queue its job."""
    from carehub.exchange.tasks_export import export_task

    if not acting.has_role(*READERS):
        raise PermissionDenied("Only the organisation's administrators export its records.")
    if fmt not in FORMATS:
        raise ExportError(f"The format must be one of {', '.join(FORMATS)}.")
    with transaction.atomic():
        export = Export.objects.create(organisation=acting.organisation, format=fmt,
                                       requested_by=acting.user
                                       if getattr(acting.user, "pk", None) else None)
        audit.record("create", acting=acting, object_type="organisation_export",
                     object_id=str(export.pk), detail={"format": fmt})
        job = jobs.start_job(export_task, kind=EXPORT_KIND,
                             title=f"Export of {acting.organisation.name} ({fmt.upper()})",
                             acting=acting, params={"export": str(export.pk), "format": fmt})
        export.job = job
        export.save(update_fields=["job"])
    return export


def finish_export(export: Export, *, manifest: Manifest, sha256: str, size: int,
                  members: int, acting: Acting) -> Export:
    """Record the written bundle on its row (the job's last step)."""
    with transaction.atomic():
        export.file_name = export_path(export).name
        export.size, export.sha256 = size, sha256
        export.rows, export.members = manifest.rows, members
        export.finished_at = timezone.now()
        export.save(update_fields=["file_name", "size", "sha256", "rows", "members",
                                   "finished_at"])
        audit.record("update", acting=acting, object_type="organisation_export",
                     object_id=str(export.pk),
                     detail={"rows": manifest.rows, "members": members, "bytes": size,
                             "sha256": sha256})
    return export


def delete_export(export: Export, *, acting: Acting) -> None:
    """Delete an export and its file; one still running must be cancelled first."""
    if export.job is not None and export.job.status not in FINISHED:
        raise ExportError("This export is still running: cancel it first, then delete it.")
    pk, path = str(export.pk), export_path(export)
    with transaction.atomic():
        export.delete()
        audit.record("delete", acting=acting, object_type="organisation_export", object_id=pk)
        # The file goes once the row is gone for good (a rolled-back delete keeps both).
        transaction.on_commit(lambda: path.unlink(missing_ok=True))
