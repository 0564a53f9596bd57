"""A job kind used only by the tests: counts to `params["n"]` in chunks, one audit-free
row per step in the job's checkpoint, so a test can see where it stopped."""

from __future__ import annotations

import time
from datetime import time as dt_time
from datetime import timedelta
from typing import Any

from django.db import transaction

from carehub.jobs.models import Job, ScheduledRun
from carehub.jobs.progress import JobFailed, Progress
from carehub.jobs.queue import task
from carehub.jobs.runner import Outcome, run_job
from carehub.jobs.scheduler import DailyAt, Entry, Every
from carehub.tenancy import rls
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


def slow_count_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    """Like `count_body`, slower (params["sleep"] seconds a step), and each step also
    inserts a row whose name is unique per job and step (a ScheduledRun row serves as a
    scratch table): a step done twice after a take-over would fail on the unique name,
    and a step lost would be missing."""
    n, delay = int(job.params["n"]), float(job.params.get("sleep", 0.05))
    start = int(progress.checkpoint.get("next", 0))
    progress.stage("Counting slowly", n, done=start)
    for i in range(start, n):
        progress.check_cancelled()
        time.sleep(delay)
        with transaction.atomic():
            with rls.as_owner():  # the scratch table is closed to the tenant role
                ScheduledRun.objects.create(name=f"step:{job.pk}:{i}")
            progress.advance()
            progress.commit(checkpoint={"next": i + 1})
    return Outcome(summary={"counted": n}, url="/jobs/", message=f"Counted {n} slowly.")


@task()
def slow_count_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, slow_count_body)


def tick_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    progress.stage("Ticking", 1)
    progress.advance()
    return Outcome(message=f"Ticked for {job.params.get('scheduled_at', 'now')}.")


@task(queue_name="periodic")
def periodic_count_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, tick_body)


# A schedule for the scheduler's tests (the real one is carehub/schedule.py).
TEST_SCHEDULE = [
    Entry("test.hourly", periodic_count_task, Every(timedelta(hours=1)), "Hourly count"),
    Entry("test.quarterly", periodic_count_task, Every(timedelta(minutes=15)), "Count"),
    Entry("test.nightly", periodic_count_task, DailyAt(dt_time(2, 0)), "Nightly count"),
]
