"""Periodic work of the contracts app, run by `carehub worker` on its schedule
(carehub/schedule.py); `carehub notify_due` calls the same functions."""

from __future__ import annotations

from typing import Any

from carehub.contracts import notices
from carehub.jobs.models import Job
from carehub.jobs.progress import Progress
from carehub.jobs.queue import task
from carehub.jobs.runner import Outcome, run_job
from carehub.tenancy.access import Acting


def renewals_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    progress.stage("Contracts ending within 90, 60 and 30 days")
    given = notices.notify_renewals()
    return Outcome(summary={"notices": given}, message=f"{given} renewal notices given.")


def credentials_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    progress.stage("Staff credentials expiring within 30 days")
    given = notices.notify_credentials()
    return Outcome(summary={"notices": given}, message=f"{given} credential notices given.")


@task(queue_name="periodic")
def notify_renewals_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, renewals_body)


@task(queue_name="periodic")
def notify_credentials_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, credentials_body)
