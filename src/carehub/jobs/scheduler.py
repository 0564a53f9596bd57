"""Periodic work, scheduled by the workers.

The schedule is a plain list of `Entry` (name, task, when), kept in the project module
`carehub/schedule.py`, which may import every app's tasks; the setting
`CAREHUB_SCHEDULE` names it, so this layer never imports upward. Every few seconds each
worker calls `enqueue_due()`: for each entry it locks the entry's `ScheduledRun` row
(SELECT ... FOR UPDATE on PostgreSQL; on SQLite the transaction takes the database's
write lock when it begins), and when the entry is due it records a site-wide Job and puts
its task on the queue `periodic` in that same transaction. Two workers racing therefore
enqueue each run once: the second waits for the lock and then sees the first's time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from carehub.jobs.models import Job, ScheduledRun
from carehub.jobs.queue import Task
from carehub.tenancy.access import Acting

logger = logging.getLogger("carehub.jobs.scheduler")

PERIODIC_QUEUE = "periodic"


@dataclass(frozen=True)
class Every:
    """Run every `interval`, the first time as soon as a worker sees the entry."""

    interval: timedelta

    def due(self, last: datetime | None, now: datetime) -> bool:
        return last is None or now - last >= self.interval

    def __str__(self) -> str:
        return f"every {self.interval}"


@dataclass(frozen=True)
class DailyAt:
    """Run once a day at `at`, site time (TIME_ZONE). A new entry first runs at its next
    time, not at once: a deployment at noon does not start the nightly work at noon."""

    at: time

    def latest(self, now: datetime) -> datetime:
        """The most recent moment at or before `now` this entry was meant to run."""
        local = timezone.localtime(now)
        today = timezone.make_aware(datetime.combine(local.date(), self.at))
        return today if today <= local else timezone.make_aware(
            datetime.combine(local.date() - timedelta(days=1), self.at))

    def due(self, last: datetime | None, now: datetime) -> bool:
        return last is not None and last < self.latest(now)

    def __str__(self) -> str:
        return f"daily at {self.at:%H:%M}"


@dataclass(frozen=True)
class Entry:
    name: str  # unique; also the job's kind, "periodic.<name>"
    task: Task
    when: Every | DailyAt
    title: str = ""


def load_schedule() -> Sequence[Entry]:
    return import_string(getattr(settings, "CAREHUB_SCHEDULE", "carehub.schedule.SCHEDULE"))


def _ensure_row(name: str) -> None:
    if ScheduledRun.objects.filter(name=name).exists():
        return
    try:
        with transaction.atomic():
            ScheduledRun.objects.create(name=name)
    except IntegrityError:
        pass  # another worker made it first


def enqueue_due(*, now: datetime | None = None,
                schedule: Sequence[Entry] | None = None) -> list[Job]:
    """Start every entry that is due; returns the jobs started (usually none)."""
    from carehub.jobs import services

    entries = load_schedule() if schedule is None else schedule
    started: list[Job] = []
    for entry in entries:
        _ensure_row(entry.name)
        # A plain read first: most rounds nothing is due, and on SQLite every transaction
        # takes the write lock, so only a due entry is locked and checked again.
        last = (ScheduledRun.objects.filter(name=entry.name)
                .values_list("last_enqueued_at", flat=True).first())
        moment = now or timezone.now()
        if last is not None and not entry.when.due(last, moment):
            continue
        with transaction.atomic():
            row = ScheduledRun.objects.select_for_update().get(name=entry.name)
            moment = now or timezone.now()
            if row.last_enqueued_at is None and isinstance(entry.when, DailyAt):
                # First sight of a daily entry: its first run is at its next time.
                row.last_enqueued_at = moment
                row.save(update_fields=["last_enqueued_at"])
                continue
            if not entry.when.due(row.last_enqueued_at, moment):
                continue
            job = services.start_job(
                entry.task.using(queue_name=PERIODIC_QUEUE), kind=f"periodic.{entry.name}", title=entry.title or entry.name,
                acting=Acting.system(), params={"scheduled_at": moment.isoformat()})
            row.last_enqueued_at = moment
            row.save(update_fields=["last_enqueued_at"])
        logger.info("scheduled %s (%s): job %s", entry.name, entry.when, job.pk)
        started.append(job)
    return started
