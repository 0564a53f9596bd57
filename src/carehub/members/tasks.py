"""Job kinds of the members app: the roster import (`members.roster_import`).

Stages: checking (read-only: every row is checked from disk; any problem fails the job
with every place named and nothing saved), then saving in chunks, each chunk one
transaction with the job's checkpoint, so a job killed mid-way resumes after the last
chunk it committed and a file imported twice changes nothing the second time.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.jobs.models import Job
from carehub.jobs.progress import JobFailed, Progress
from carehub.jobs.queue import task
from carehub.jobs.runner import Outcome, run_job
from carehub.members import jobfiles
from carehub.members.imports import ImportProblem, read_table
from carehub.members.services import RosterCounts, record_roster_import, save_roster_chunk
from carehub.members.streaming import check_roster, digest, roster_chunks
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation

KIND = "members.roster_import"


def roster_import_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    try:
        return _import(job, acting, progress)
    finally:
        jobfiles.forget_upload(job)


def _import(job: Job, acting: Acting, progress: Progress) -> Outcome:
    params = job.params
    name = params.get("file", "roster")
    with scopes_disabled():
        plan = Organisation.objects.filter(pk=params["plan"], kind="payer").first()
    if plan is None:
        raise JobFailed("The plan for this import no longer exists.")
    path = jobfiles.job_file(job)
    point = progress.checkpoint
    try:
        rows = read_table(path)
        progress.stage("Checking", len(rows))
        count, repeats = check_roster(name, rows, every=progress.advance)
    except ImportProblem as exc:
        raise jobfiles.failed(exc, name) from None
    counts = RosterCounts(**point.get("counts", {}))
    seen = set(point.get("seen", []))
    start = int(point.get("next", 0))
    size = jobfiles.chunk_rows(job)
    progress.stage("Saving", count, done=start)

    def may_repeat(member_id: str) -> bool:
        return digest(member_id) in repeats

    for chunk in roster_chunks(rows, size, start=start):
        progress.check_cancelled()
        with transaction.atomic():
            save_roster_chunk(plan, chunk, counts, seen, may_repeat)
            start += len(chunk)
            progress.commit(done=start, checkpoint={"next": start, "counts": counts.as_dict(),
                                                    "seen": sorted(seen)})
    if not point.get("audited"):
        with transaction.atomic():
            record_roster_import(plan, counts, rows=count, acting=acting, source=name)
            if params.get("upload"):
                audit.record("create" if counts.created else "update", acting=acting,
                             object_type="roster_upload", object_id=name,
                             detail={"plan": plan.pk, "rows": count, **counts.as_dict()})
            progress.commit(checkpoint={"next": start, "counts": counts.as_dict(),
                                        "seen": sorted(seen), "audited": True})
    summary: dict[str, Any] = {"rows": count, "plan": plan.name, **counts.as_dict()}
    return Outcome(summary=summary, url=params.get("result_url", ""),
                   message=f"{name}: {counts.created:,} created, {counts.updated:,} updated, "
                           f"{counts.unchanged:,} unchanged")


@task()
def roster_import_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, roster_import_body)
