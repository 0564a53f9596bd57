"""Periodic work of the referrals app, run by `carehub worker` on its schedule
(carehub/schedule.py); `carehub notify_due` calls the same function."""

from __future__ import annotations

from typing import Any

from carehub.jobs.models import Job
from carehub.jobs.progress import Progress
from carehub.jobs.queue import task
from carehub.jobs.runner import Outcome, run_job
from carehub.referrals import notices
from carehub.tenancy.access import Acting


def overdue_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    progress.stage("Overdue work per team")
    given = notices.notify_overdue()
    return Outcome(summary={"notices": given}, message=f"{given} overdue-work notices given.")


@task(queue_name="periodic")
def notify_overdue_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, overdue_body)
