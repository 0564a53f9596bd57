"""`carehub worker` as a real process: runs queued jobs, keeps a heartbeat, takes over
the job of a worker killed with SIGKILL (resuming with no step done twice), and two
schedulers racing enqueue each due run once. On a file SQLite database in the SQLite
pass, on PostgreSQL in the PostgreSQL pass."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from tests.integration.jobs.processes import ROOT, QueueDatabase, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

START = """
from carehub.jobs import services
from carehub.tenancy.access import Acting
from tests.integration.jobs import sample_tasks
task = getattr(sample_tasks, {task!r})
job = services.start_job(task, kind="test.count", title="Count", acting=Acting.system(),
                         params={params!r}, total={total!r})
print(job.pk)
"""

FAST = {"CAREHUB_WORKER_STALE_SECONDS": "2"}


def start(db: QueueDatabase, task: str, params: dict, total: int | None = None) -> str:
    return db.script(START.format(task=task, params=params, total=total))


def test_worker_batch_runs_a_queued_job_end_to_end(queue_db):
    pk = start(queue_db, "count_task", {"n": 7}, total=7)
    assert queue_db.job(pk)["status"] == "queued"
    done = queue_db.command("worker", "--batch", "--no-schedule", "--worker-id", "batch-1")
    assert done.returncode == 0, done.stderr
    assert "worker batch-1 serving queues default, periodic" in done.stdout
    job = queue_db.job(pk)
    assert (job["status"], job["done"], job["total"], job["worker_id"]) == (
        "succeeded", 7, 7, "batch-1")
    assert job["message"] == "Counted 7."
    # The queue entry is finished too, and a clean exit leaves no heartbeat behind.
    assert queue_db.query("SELECT status FROM django_tasks_database_dbtaskresult") == [
        ("SUCCESSFUL",)]
    assert queue_db.query("SELECT COUNT(*) FROM jobs_workerheartbeat") == [(0,)]


def test_max_tasks_stops_after_that_many(queue_db):
    first, second = (start(queue_db, "count_task", {"n": 2}) for _ in range(2))
    done = queue_db.command("worker", "--max-tasks", "1", "--no-schedule", "--interval", "0.1")
    assert done.returncode == 0, done.stderr
    statuses = sorted(queue_db.job(pk)["status"] for pk in (first, second))
    assert statuses == ["queued", "succeeded"]


def test_a_killed_workers_job_is_taken_over_and_resumed_with_no_step_twice(queue_db, tmp_path):
    n = 40
    pk = start(queue_db, "slow_count_task", {"n": n, "sleep": 0.1}, total=n)
    first = queue_db.popen("worker", "--no-schedule", "--worker-id", "doomed",
                           "--housekeeping-every", "0.5", "--interval", "0.2",
                           log=tmp_path / "doomed.log", extra_env=FAST)
    try:
        wait_for(lambda: queue_db.job(pk)["done"] >= 8, timeout=90, what="the job to run")
        assert queue_db.query("SELECT COUNT(*) FROM jobs_workerheartbeat WHERE worker_id = %s",
                              ("doomed",)) == [(1,)]
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    stopped = queue_db.job(pk)
    assert stopped["status"] == "running" and 8 <= stopped["done"] < n
    assert stopped["worker_id"] == "doomed"
    time.sleep(2.5)  # the dead worker's heartbeat goes stale

    second = queue_db.command("worker", "--batch", "--no-schedule", "--worker-id", "heir",
                              extra_env=FAST, timeout=180)
    assert second.returncode == 0, second.stderr
    job = queue_db.job(pk)
    assert (job["status"], job["done"], job["attempts"], job["worker_id"]) == (
        "succeeded", n, 2, "heir"), job
    # Every step exactly once: each wrote a row with a unique name per step.
    steps = queue_db.query("SELECT name FROM jobs_scheduledrun WHERE name LIKE %s",
                           (f"step:{pk}:%",))
    assert len(steps) == n
    # The dead worker's queue entry was retired; the new one finished.
    assert sorted(s for (s,) in queue_db.query(
        "SELECT status FROM django_tasks_database_dbtaskresult")) == ["FAILED", "SUCCESSFUL"]


def test_sigterm_stops_a_worker_gracefully_and_removes_its_heartbeat(queue_db, tmp_path):
    worker = queue_db.popen("worker", "--no-schedule", "--worker-id", "polite",
                            "--housekeeping-every", "0.5", log=tmp_path / "polite.log")
    try:
        wait_for(lambda: queue_db.query(
            "SELECT COUNT(*) FROM jobs_workerheartbeat WHERE worker_id = %s", ("polite",))[0][0],
            timeout=60, what="the heartbeat")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    assert queue_db.query("SELECT COUNT(*) FROM jobs_workerheartbeat") == [(0,)]
    assert "worker polite stopped" in (tmp_path / "polite.log").read_text()


RACE = """
import time
from carehub.jobs.scheduler import enqueue_due
from tests.integration.jobs.sample_tasks import TEST_SCHEDULE
start = {start!r}
while time.time() < start:
    time.sleep(0.005)
started = 0
for _ in range(15):
    started += len(enqueue_due(schedule=TEST_SCHEDULE))
print(started)
"""


def test_two_schedulers_racing_enqueue_each_due_run_once(queue_db):
    at = time.time() + 4  # both interpreters are up by then
    source = "import django\ndjango.setup()\n" + RACE.format(start=at)
    racers = [subprocess.Popen([sys.executable, "-c", source], env=queue_db.env, cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for _ in range(2)]
    outputs = [r.communicate(timeout=120) for r in racers]
    for racer, (_out, err) in zip(racers, outputs, strict=True):
        assert racer.returncode == 0, err[-3000:]
    # Two `Every` entries are due once; the daily one only records its first sight.
    assert sum(int(out.strip()) for out, _ in outputs) == 2
    kinds = sorted(k for (k,) in queue_db.query("SELECT kind FROM jobs_job"))
    assert kinds == ["periodic.test.hourly", "periodic.test.quarterly"]
    queues = queue_db.query("SELECT queue_name FROM django_tasks_database_dbtaskresult")
    assert queues == [("periodic",), ("periodic",)]
    names = {n for (n,) in queue_db.query("SELECT name FROM jobs_scheduledrun")}
    assert names == {"test.hourly", "test.quarterly", "test.nightly"}
