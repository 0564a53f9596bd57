"""A worker's housekeeping round never stops the worker: a busy SQLite database skips
the step until the next round, any other error is logged."""

from __future__ import annotations

import logging

import pytest
from django.db import OperationalError

from carehub.jobs import worker as worker_module
from carehub.jobs.models import WorkerHeartbeat
from carehub.jobs.worker import CarehubWorker, _guarded

pytestmark = pytest.mark.django_db


def test_a_locked_database_skips_the_step_quietly(caplog):
    def busy() -> None:
        raise OperationalError("database is locked")

    with caplog.at_level(logging.DEBUG, logger="carehub.jobs.worker"):
        _guarded("heartbeat", busy)
    assert [r.levelname for r in caplog.records] == ["DEBUG"]
    assert "skipped: the database is busy" in caplog.records[0].getMessage()


def test_any_other_failure_is_logged_not_raised(caplog):
    def broken() -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="carehub.jobs.worker"):
        _guarded("scheduler", broken)
    assert caplog.records[0].getMessage() == "scheduler failed"


def test_a_round_beats_and_the_next_round_goes_on_after_a_failing_step(monkeypatch):
    loop = CarehubWorker(worker_id="round-1", schedule=True, startup_delay=False)

    def failing_scheduler() -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(worker_module.scheduler, "enqueue_due", failing_scheduler)
    loop.housekeeping()
    loop.housekeeping()
    beat = WorkerHeartbeat.objects.get(worker_id="round-1")
    assert beat.seen_at >= beat.started_at
    loop.stop_housekeeping()
    assert not WorkerHeartbeat.objects.filter(worker_id="round-1").exists()


ROUND_WHILE_LOCKED = """
from django.conf import settings
settings.DATABASES["default"]["OPTIONS"]["timeout"] = 0.5  # give up on the lock quickly
from carehub.jobs.worker import CarehubWorker
CarehubWorker(worker_id="patient", startup_delay=False).housekeeping()
print("survived")
"""


@pytest.mark.django_db(transaction=True)
def test_a_round_on_a_really_locked_sqlite_database_survives(queue_db):
    import sqlite3

    if queue_db.vendor != "sqlite":
        pytest.skip("about SQLite's database lock; runs in the SQLite pass")
    holder = sqlite3.connect(queue_db.env["DATABASE_URL"].removeprefix("sqlite:///"),
                             isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    try:
        assert queue_db.script(ROUND_WHILE_LOCKED) == "survived"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert queue_db.query("SELECT COUNT(*) FROM jobs_workerheartbeat") == [(0,)]
