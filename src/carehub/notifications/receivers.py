"""Signals from the layers below: a job that ended tells the person who started it."""

from __future__ import annotations

from typing import Any

from carehub.jobs.models import Job, JobStatus
from carehub.notifications import services
from carehub.notifications.kinds import Kind
from carehub.tenancy.access import Acting


def job_link(job: Job) -> str:
    # The job's own page (jobs app): progress, result link, errors.
    return f"/jobs/{job.pk}/"


def on_job_finished(sender: Any, job: Job, **kwargs: Any) -> None:
    """Succeeded or failed: tell its starter. Cancelled: they (or a colleague) asked for
    it and the page says so; nobody is told. Scheduled work has nobody to tell."""
    if job.user_id is None or job.status not in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        return
    failed = job.status == JobStatus.FAILED
    user = job.user
    if user is None:
        return
    services.notify(
        Kind.JOB_FAILED if failed else Kind.JOB_FINISHED, users=[user],
        organisation=job.organisation, acting=Acting.system(job.organisation),
        title=f"{job.title}: {'failed' if failed else 'finished'}"[:300],
        body=("It stopped with errors; the job's page lists them." if failed else
              "The job's page has its result."),
        link=job_link(job), skip_actor=False)
