"""`carehub demo` (what `make demo` runs) serves the site and runs one worker beside it,
and Ctrl-C stops both. A real process on a free port against its own SQLite file;
`--no-seed` serves the migrated database as it is (seeding 2,000 members takes a
while and is tested in test_demo.py)."""

from __future__ import annotations

import json
import os
import re
import signal
import urllib.error
import urllib.request

import pytest

from tests.integration.jobs.processes import QueueDatabase, wait_for
from tests.integration.test_sqlite_concurrency import free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="the demo runs on SQLite; runs in the SQLite pass"),
]


def healthz(base: str) -> dict | None:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:  # noqa: S310
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return json.loads(exc.read())
    except OSError:
        return None


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) is gone for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_demo_serves_with_a_worker_and_stops_both(queue_db: QueueDatabase, tmp_path, how):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "demo.log"
    demo = queue_db.popen("demo", "--no-seed", "--addr", f"127.0.0.1:{port}", log=log,
                          extra_env={"PYTHONUNBUFFERED": "1"})
    try:
        report = wait_for(lambda: (h := healthz(base)) and h["workers"]["live"] >= 1 and h,
                          timeout=120, what="the demo's worker on /healthz")
        assert report["status"] == "ok" and report["database"] == "ok"
        pid = int(re.search(r"Background worker started \(pid (\d+)\)", log.read_text())[1])
        assert alive(pid)
        demo.send_signal(how)
        assert demo.wait(timeout=30) == 0, log.read_text()[-3000:]
    finally:
        if demo.poll() is None:
            demo.kill()
    wait_for(lambda: not alive(pid), timeout=10, what="the worker to stop")
    text = log.read_text()
    assert f"Background worker stopped (pid {pid})" in text
    assert healthz(base) is None  # the server is gone too
    # The worker left cleanly: no heartbeat counts it as live any more.
    assert queue_db.query("SELECT COUNT(*) FROM jobs_workerheartbeat") == [(0,)]


def test_a_worker_started_by_the_demo_leaves_when_the_demo_is_killed(queue_db, tmp_path):
    port = free_port()
    log = tmp_path / "demo.log"
    demo = queue_db.popen("demo", "--no-seed", "--addr", f"127.0.0.1:{port}", log=log,
                          extra_env={"PYTHONUNBUFFERED": "1"})
    try:
        found = wait_for(lambda: re.search(r"Background worker started \(pid (\d+)\)",
                                           log.read_text()), timeout=120, what="the worker")
        pid = int(found[1])
        wait_for(lambda: queue_db.query("SELECT COUNT(*) FROM jobs_workerheartbeat")[0][0],
                 timeout=60, what="the worker's heartbeat")
        demo.send_signal(signal.SIGKILL)
        demo.wait(timeout=10)
    finally:
        if demo.poll() is None:
            demo.kill()
    wait_for(lambda: not alive(pid), timeout=30, what="the orphaned worker to leave")
