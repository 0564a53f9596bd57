"""The job record: what runs, for whom, how far it got, and how it ended."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Finished"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class Job(models.Model):
    """One piece of long work. The task on the queue carries only this row's id; the
    body reads its parameters here and writes its progress, checkpoint and result here,
    so a job killed mid-way resumes from its last committed checkpoint."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=60, help_text="the registered job kind, e.g. members.roster_import")
    title = models.CharField(max_length=200)
    # None for site-wide scheduled work.
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                             null=True, blank=True, related_name="+")
    role = models.CharField(max_length=40, blank=True)
    params = models.JSONField(default=dict, blank=True)

    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    stage = models.CharField(max_length=120, blank=True)
    done = models.BigIntegerField(default=0)
    total = models.BigIntegerField(null=True, blank=True)
    # What the body committed so far, written in the same transaction as the work.
    checkpoint = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    result_url = models.CharField(max_length=300, blank=True)
    # [{"where": "file.csv row 4, column dob", "message": "..."}]
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True, help_text="one line on how it ended")
    cancel_requested = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(default=0)
    # The task that runs it (its dotted path) and the current queue entry's id.
    task_path = models.CharField(max_length=200)
    task_id = models.CharField(max_length=64, blank=True)
    worker_id = models.CharField(max_length=64, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="job_user_recent"),
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    # What the progress bar shows (jobs/_progress.html).
    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return max(0, min(100, int(self.done * 100 / self.total)))

    @property
    def elapsed(self) -> timedelta | None:
        if self.started_at is None:
            return None
        end = self.finished_at or timezone.now()
        return max(end - self.started_at, timedelta(0))

    @property
    def remaining(self) -> timedelta | None:
        """Time left at the rate so far (rows done per second since it started); None
        when there is no rate yet or nothing to count against."""
        elapsed = self.elapsed
        if self.finished or not self.total or not self.done or not elapsed:
            return None
        seconds = elapsed.total_seconds()
        if seconds < 1:
            return None
        left = max(self.total - self.done, 0) * seconds / self.done
        return timedelta(seconds=round(left))

    @property
    def active(self) -> bool:
        """Waiting or running, and nobody asked it to stop yet: it can be cancelled."""
        return not self.finished and not self.cancel_requested


class WorkerHeartbeat(models.Model):
    """A running worker says it is alive every few seconds (shown by /healthz)."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=200, blank=True)
    pid = models.IntegerField(default=0)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.host} (pid {self.pid})"


class ScheduledRun(models.Model):
    """When each periodic task was last put on the queue; the row lock makes sure two
    workers never enqueue the same run twice."""

    name = models.CharField(max_length=80, unique=True)
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
