"""The organisation export as a background job (`exchange.export`): every table the
organisation holds (CSV or Parquet), its FHIR NDJSON, a README with the data dictionary
and a manifest, in one zip under VAR_DIR/exports/<organisation>/. Started from
/exchange/export/ or run inline by `carehub export`. Writing the members is a read of
member data: each chunk is audited with its members' ids. Run again (a worker taking
over a killed job), it writes the whole bundle again; nothing half-written is kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.urls import reverse

from carehub.audit import services as audit
from carehub.exchange.export_bundle import Context, Manifest, write_bundle
from carehub.exchange.export_bundle.tables import Table
from carehub.exchange.export_bundle.writer import file_sha256
from carehub.exchange.models import Export
from carehub.exchange.selectors.export import export_path
from carehub.exchange.services.export import EXPORT_KIND, finish_export
from carehub.jobs.models import Job
from carehub.jobs.progress import JobFailed, Progress
from carehub.jobs.queue import task
from carehub.jobs.runner import Outcome, run_job
from carehub.tenancy.access import Acting

__all__ = ["EXPORT_KIND", "export_body", "export_task"]


def export_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    fmt = str(job.params["format"])
    export: Export | None = None
    if job.params.get("export"):
        export = Export.objects.filter(pk=job.params["export"]).first()
        if export is None:
            raise JobFailed("This export was deleted before it was written.")
        out = export_path(export)
    else:
        out = Path(str(job.params["out"]))
    reference = str(export.pk) if export is not None else f"job:{job.pk}"
    members = 0

    def on_rows(table: Table, rows: list[Any]) -> None:
        nonlocal members
        if table.identifies_members:
            members += len(rows)
            audit.record("export", acting=acting, object_type="organisation_export",
                         object_id=reference, detail={"member_ids": [r.pk for r in rows]})

    manifest: Manifest = write_bundle(Context.of(acting), out, fmt, steps=progress,
                                      on_rows=on_rows)
    size, sha256 = out.stat().st_size, file_sha256(out)
    summary = {"rows": manifest.rows, "members": members, "bytes": size, "sha256": sha256,
               "files": {f.path: f.rows for f in manifest.files if f.kind != "readme"}}
    url = ""
    if export is not None:
        finish_export(export, manifest=manifest, sha256=sha256, size=size, members=members,
                      acting=acting)
        url = reverse("exchange:export_download", args=[export.pk])
    return Outcome(summary=summary, url=url,
                   message=f"The export is ready: {manifest.rows:,} rows in "
                           f"{sum(1 for f in manifest.files if f.kind == 'table')} tables.")


@task()
def export_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, export_body)
