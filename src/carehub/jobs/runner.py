"""Running one job: the same path for the worker and for the command line.

A kind's task is two lines in its app's `tasks.py`:

    @task()
    def roster_import(job_id: str) -> dict:
        return run_job(job_id, import_roster_body)

`run_job` loads the row, acts as the person who started it (their organisation and role,
under row-level security on PostgreSQL), gives the body a `Progress`, and records how it
ended. The body returns an `Outcome`, raises `JobFailed` for a failure the person can fix,
and stops with `JobCancelled`. A job delivered again after it finished does nothing, and
a job picked up again after its worker died resumes from its checkpoint.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django_scopes import scope, scopes_disabled

from carehub.core.log_context import job_context
from carehub.jobs.models import Job, JobStatus
from carehub.jobs.progress import JobCancelled, JobFailed, Progress, TerminalBar
from carehub.tenancy import rls
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Membership

logger = logging.getLogger("carehub.jobs")

# Set by `carehub worker` so a running job names the worker that holds it.
CURRENT_WORKER_ID = "inline"


@dataclass
class Outcome:
    """How a job ended well: counts for the page, a link to the result, one line."""

    summary: dict[str, Any] = field(default_factory=dict)
    url: str = ""
    message: str = ""


Body = Callable[[Job, Acting, Progress], Outcome]


class NotAMember(JobFailed):
    pass


def acting_of(job: Job) -> Acting:
    """Who the job acts as: the person who started it, as they were then (their
    membership must still be active), or the system for scheduled work."""
    if job.user_id is None or job.organisation_id is None:
        return Acting.system(job.organisation)
    with scopes_disabled():
        membership = (Membership.objects.select_related("organisation", "user")
                      .filter(user_id=job.user_id, organisation_id=job.organisation_id,
                              role=job.role, is_active=True).first())
    if membership is None:
        raise NotAMember("The person who started this job is no longer a member of "
                         "the organisation in that role.")
    return Acting.of(membership.user, membership)


@contextmanager
def acting_as(job: Job) -> Iterator[None]:
    """Scope the body to the job's organisation (django-scopes and, on PostgreSQL,
    row-level security through the tenant role); site-wide jobs run unscoped."""
    if job.organisation_id is None:
        with scopes_disabled():
            yield
        return
    rls.enter_tenant(job.organisation_id, role=job.role, user_id=job.user_id)
    try:
        with scope(organisation=job.organisation_id):
            yield
    finally:
        rls.leave_tenant()


def _claim(job_id: str) -> Job | None:
    with scopes_disabled():
        job = Job.objects.select_related("organisation", "user").filter(pk=job_id).first()
        if job is None or job.finished:
            return None
        now = timezone.now()
        job.status, job.heartbeat_at = JobStatus.RUNNING, now
        job.started_at = job.started_at or now
        job.attempts += 1
        Job.objects.filter(pk=job.pk).update(status=job.status, heartbeat_at=now,
                                             started_at=job.started_at, attempts=job.attempts,
                                             worker_id=CURRENT_WORKER_ID)
    return job


def _finish(job: Job, status: str, *, message: str = "", summary: dict[str, Any] | None = None,
            url: str = "", errors: list[dict[str, str]] | None = None) -> None:
    job.status, job.message, job.result_url = status, message, url
    job.result = summary or {}
    job.errors = errors or []
    job.finished_at = timezone.now()
    with scopes_disabled():
        Job.objects.filter(pk=job.pk).update(
            status=status, message=message, result=job.result, result_url=url,
            errors=job.errors, finished_at=job.finished_at, heartbeat_at=job.finished_at)
    from carehub.jobs import signals

    signals.job_finished.send(sender=Job, job=job)


def run_job(job_id: str, body: Body, *, terminal: TerminalBar | None = None) -> dict[str, Any]:
    """Run `body` for the job `job_id` and record how it ended; returns what the queue
    keeps as the task's result (the status and the summary)."""
    job = _claim(str(job_id))
    if job is None:
        return {"status": "skipped", "reason": "already finished or gone"}
    if job.cancel_requested:
        _finish(job, JobStatus.CANCELLED, message="Cancelled before it started.")
        return {"status": job.status}
    progress = Progress(job, terminal=terminal)
    with job_context(str(job.pk), job.kind, job.user_id, job.organisation_id):
        return _run(job, body, progress, terminal)


def _run(job: Job, body: Body, progress: Progress,
         terminal: TerminalBar | None) -> dict[str, Any]:
    try:
        acting = acting_of(job)
        with acting_as(job):
            outcome = body(job, acting, progress)
    except JobCancelled:
        done = f"{job.done:,}" + (f" of {job.total:,}" if job.total else "")
        _finish(job, JobStatus.CANCELLED,
                message=f"Cancelled at {job.stage or 'the start'} ({done}). What was "
                        "committed before stays; running it again carries on from there.")
    except JobFailed as exc:
        _finish(job, JobStatus.FAILED, message=exc.message, errors=exc.errors)
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(job, JobStatus.FAILED,
                message=f"An unexpected error stopped this job (reference {job.pk}). "
                        "Nothing after the last checkpoint was saved; it was logged for "
                        "the administrators.")
    else:
        _finish(job, JobStatus.SUCCEEDED, message=outcome.message, summary=outcome.summary,
                url=outcome.url)
    finally:
        if terminal is not None:
            terminal.close()
    return {"status": job.status, "summary": job.result}
