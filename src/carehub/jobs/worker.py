"""`carehub worker`: django-tasks-db's worker loop plus the housekeeping a site needs.

The loop that claims and runs tasks is the library's own (`db_worker.Worker`); this
module adds, in a background thread every few seconds:
- the worker's heartbeat row (`WorkerHeartbeat`, read by /healthz and by take-over);
- `services.take_over_stale()`: running jobs whose worker stopped being seen are put
  back on the queue and resume from their checkpoint;
- the scheduler (`jobs.scheduler.enqueue_due`): periodic work on the queue `periodic`.

On SQLite a busy database answers "database is locked"; housekeeping then skips that
round and tries again at the next, it never stops the worker.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.utils import is_locked_database_exception

from carehub.jobs import runner, scheduler, services
from carehub.jobs.models import WorkerHeartbeat

logger = logging.getLogger("carehub.jobs.worker")

# The queues a carehub worker serves: jobs started by people, and periodic work.
QUEUES = ["default", "periodic"]
# Seconds between heartbeats (and take-over and scheduler rounds).
HOUSEKEEPING_EVERY = 5.0


def new_worker_id() -> str:
    """Unique across the pool and readable in logs: host, pid and a random suffix."""
    host = socket.gethostname().split(".")[0][:30]
    return f"{host}-{os.getpid()}-{get_random_string(8)}"[:64]


def beat(worker_id: str, started_at: Any) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"host": socket.gethostname()[:200], "pid": os.getpid(), "seen_at": now,
                  "started_at": started_at})


def _guarded(what: str, step: Callable[[], Any]) -> None:
    """Run one housekeeping step; a locked database skips it, anything else is logged."""
    try:
        step()
    except OperationalError as exc:
        if is_locked_database_exception(exc):
            logger.debug("%s skipped: the database is busy", what)
        else:
            logger.exception("%s failed", what)
    except Exception:
        logger.exception("%s failed", what)


class CarehubWorker(Worker):
    """The library's worker over carehub's queues, with heartbeat, take-over and the
    scheduler. `schedule=False` leaves periodic work to other workers."""

    def __init__(self, *, worker_id: str | None = None, interval: float = 1.0,
                 batch: bool = False, max_tasks: int | None = None, schedule: bool = True,
                 housekeeping_every: float = HOUSEKEEPING_EVERY, startup_delay: bool = True,
                 queue_names: list[str] | None = None, parent_pid: int | None = None) -> None:
        super().__init__(queue_names=queue_names or list(QUEUES), interval=interval,
                         batch=batch, backend_name="default", startup_delay=startup_delay,
                         max_tasks=max_tasks, worker_id=worker_id or new_worker_id(),
                         excluded_queue_names=[])
        self.schedule = schedule
        self.housekeeping_every = housekeeping_every
        self.started_at = timezone.now()
        self.parent_pid = parent_pid
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def housekeeping(self) -> None:
        """One round: heartbeat, take over dead workers' jobs, enqueue due periodic work."""
        _guarded("heartbeat", lambda: beat(self.worker_id, self.started_at))
        _guarded("take-over", services.take_over_stale)
        if self.schedule:
            _guarded("scheduler", scheduler.enqueue_due)

    def _housekeeping_loop(self) -> None:
        try:
            while not self._stop.wait(self.housekeeping_every):
                if self.parent_pid is not None and os.getppid() != self.parent_pid:
                    logger.warning("the process that started this worker is gone: stopping")
                    # As if told to stop: the library's handler ends the loop gracefully.
                    os.kill(os.getpid(), signal.SIGTERM)
                    return
                close_old_connections()
                self.housekeeping()
        finally:
            connection.close()  # this thread's own connection

    def run(self) -> None:
        runner.CURRENT_WORKER_ID = self.worker_id
        # One round before the first task, so a --batch run takes over and schedules too.
        self.housekeeping()
        self._thread = threading.Thread(target=self._housekeeping_loop, daemon=True,
                                        name=f"housekeeping-{self.worker_id}")
        self._thread.start()
        try:
            super().run()
        finally:
            self.stop_housekeeping()

    def stop(self) -> None:
        """Finish the task in hand, then leave the loop (for a worker run in a thread)."""
        self.running = False

    def stop_housekeeping(self) -> None:
        # A second stop signal makes the library exit on the spot; arriving now it would
        # leave the heartbeat behind, so the worker would still count as live. Hold such
        # signals (main thread only: Python installs handlers there) until it is removed.
        held: list[int] = []
        previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            previous = {s: signal.signal(s, lambda signum, frame: held.append(signum))
                        for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            self._remove_heartbeat()
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
            if held:
                raise SystemExit(1)

    def _remove_heartbeat(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        # Gone cleanly: no longer counted as a live worker. SQLite may be busy for a
        # moment (the server or another worker writing): try a few times before leaving.
        for _ in range(20):
            try:
                WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
                return
            except OperationalError as exc:
                if not is_locked_database_exception(exc):
                    logger.exception("heartbeat removal failed")
                    return
                time.sleep(0.25)
        logger.warning("heartbeat removal skipped: the database stayed busy")
