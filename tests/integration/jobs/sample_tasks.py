"""A job kind used only by the tests: counts to `params["n"]` in chunks, one audit-free
row per step in the job's checkpoint, so a test can see where it stopped."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from carehub.jobs.models import Job
from carehub.jobs.progress import JobFailed, Progress
from carehub.jobs.queue import task
from carehub.jobs.runner import Outcome, run_job
from carehub.tenancy.access import Acting


def count_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    n = int(job.params["n"])
    if n < 0:
        raise JobFailed("n must not be negative", [{"where": "field n", "message": "below 0"}])
    start = int(progress.checkpoint.get("next", 0))
    progress.stage("Counting", n, done=start)
    for i in range(start, n):
        progress.check_cancelled()
        with transaction.atomic():
            progress.advance()
            progress.commit(checkpoint={"next": i + 1})
    return Outcome(summary={"counted": n, "by": acting.role}, url="/jobs/", message=f"Counted {n}.")


@task()
def count_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, count_body)
