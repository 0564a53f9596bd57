"""Starting, cancelling and recovering jobs: the only code that writes job rows
outside a running job's own progress."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.jobs.models import FINISHED, Job, JobStatus, WorkerHeartbeat
from carehub.jobs.progress import TerminalBar
from carehub.jobs.queue import Task
from carehub.jobs.runner import Body, run_job
from carehub.tenancy import rls
from carehub.tenancy.access import Acting

# A running job whose worker has not been seen for this long is taken over by another.
STALE_AFTER = timedelta(seconds=getattr(settings, "CAREHUB_WORKER_STALE_SECONDS", 60))
# A job taken over this many times is failed instead of being tried again.
MAX_ATTEMPTS = 3


def _enqueue(job: Job, task: Task) -> None:
    # The queue's table is closed to the tenant role: the queue entry is written as the
    # owner, in the same transaction as the job row, so both or neither exist.
    with rls.as_owner():
        result = task.enqueue(str(job.pk))
    job.task_id = str(result.id)
    with rls.as_owner(), scopes_disabled():
        Job.objects.filter(pk=job.pk).update(task_id=job.task_id)


def start_job(task: Task, *, kind: str, title: str, acting: Acting,
              params: dict[str, Any] | None = None, total: int | None = None) -> Job:
    """Record a job for `acting` and put it on the queue; audited."""
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind, title=title, organisation=acting.organisation,
            user=acting.user if getattr(acting.user, "pk", None) else None,
            role=acting.role, params=params or {}, total=total,
            task_path=task.module_path)
        _enqueue(job, task)
        audit.record("create", acting=acting, object_type="job", object_id=str(job.pk),
                     detail={"kind": kind, "title": title})
    return job


def run_inline(body: Body, task: Task, *, kind: str, title: str, acting: Acting,
               params: dict[str, Any] | None = None, show_progress: bool = True) -> Job:
    """The command line's way: the same job row and body, run in this process with a
    progress bar on the terminal (none when piped). Should the process be killed, a
    worker takes the job over through `task` like any other."""
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind, title=title, organisation=acting.organisation,
            user=acting.user if getattr(acting.user, "pk", None) else None,
            role=acting.role, params=params or {}, task_path=task.module_path)
        audit.record("create", acting=acting, object_type="job", object_id=str(job.pk),
                     detail={"kind": kind, "title": title, "inline": True})
    run_job(str(job.pk), body, terminal=TerminalBar(title) if show_progress else None)
    with scopes_disabled():
        job.refresh_from_db()
    return job


def request_cancel(job: Job, *, acting: Acting) -> bool:
    """Ask a waiting or running job to stop; False when it had already finished."""
    with transaction.atomic():
        updated = Job.objects.filter(pk=job.pk).exclude(status__in=FINISHED).update(
            cancel_requested=True)
        if updated:
            audit.record("update", acting=acting, object_type="job", object_id=str(job.pk),
                         detail={"cancel_requested": True})
    return bool(updated)


def take_over_stale(*, now: Any = None, stale_after: timedelta | None = None) -> list[Job]:
    """Put back on the queue every running job whose worker stopped being seen (killed,
    or its machine gone). The body resumes from its last committed checkpoint."""
    now = now or timezone.now()
    cutoff = now - (stale_after if stale_after is not None else STALE_AFTER)
    alive = WorkerHeartbeat.objects.filter(seen_at__gte=cutoff).values("worker_id")
    taken: list[Job] = []
    with scopes_disabled():
        stale = (Job.objects.filter(status=JobStatus.RUNNING)
                 .exclude(worker_id__in=alive).filter(heartbeat_at__lt=cutoff))
        for job in stale:
            with transaction.atomic():
                locked = (Job.objects.select_for_update()
                          .filter(pk=job.pk, status=JobStatus.RUNNING).first())
                if locked is None:
                    continue
                _retire_task(locked.task_id)
                if locked.attempts >= MAX_ATTEMPTS:
                    locked.status = JobStatus.FAILED
                    locked.message = (f"Stopped {locked.attempts} times without finishing; "
                                      "not tried again. Nothing after the last checkpoint "
                                      "was saved.")
                    locked.finished_at = now
                    locked.save(update_fields=["status", "message", "finished_at"])
                else:
                    locked.status = JobStatus.QUEUED
                    locked.save(update_fields=["status"])
                    _enqueue(locked, import_string(locked.task_path))
                taken.append(locked)
    return taken


def _retire_task(task_id: str) -> None:
    """Mark the dead worker's queue entry failed so it never looks alive again."""
    if not task_id:
        return
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(pk=task_id, status="RUNNING").update(
        status="FAILED", finished_at=timezone.now())
