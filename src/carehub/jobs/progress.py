"""How far a job has got: written to its row for the page, and drawn on a terminal for
the command line (rich, only when the output is a terminal)."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.utils import timezone

from carehub.jobs.models import Job
from carehub.tenancy import rls

# Progress rows are written at most this often (seconds) between checkpoints.
FLUSH_EVERY = 0.5


class JobCancelled(Exception):
    """Someone pressed Cancel; the body stops at its next chunk boundary."""


class JobFailed(Exception):
    """A failure the person who started the job can fix: one line and, where they are
    known, the places (file, row, column, field) with what is wrong at each."""

    def __init__(self, message: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class TerminalBar:
    """A rich progress bar on stderr; nothing at all when stderr is not a terminal."""

    def __init__(self, title: str, *, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self._bar: Any = None
        self._task: Any = None
        self.title = title

    def show(self, stage: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                                 console=Console(file=self.stream), transient=False)
            self._bar.start()
            self._task = self._bar.add_task(stage, total=total)
        self._bar.update(self._task, description=f"{self.title}: {stage}", completed=done,
                         total=total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


class Progress:
    """Given to a job's body. `stage` starts a named stage of `total` steps, `advance`
    counts steps done (written every half second), `commit` writes the count and a
    checkpoint inside the body's own transaction so they commit with the work, and
    `check_cancelled` raises JobCancelled when someone asked to stop."""

    def __init__(self, job: Job, *, terminal: TerminalBar | None = None) -> None:
        self.job = job
        self.terminal = terminal
        self._flushed = 0.0

    @property
    def checkpoint(self) -> dict[str, Any]:
        return dict(self.job.checkpoint or {})

    def stage(self, name: str, total: int | None = None, *, done: int = 0) -> None:
        self.job.stage, self.job.total, self.job.done = name, total, done
        self._write(stage=name, total=total, done=done)

    def advance(self, steps: int = 1) -> None:
        self.job.done += steps
        if time.monotonic() - self._flushed >= FLUSH_EVERY:
            self._write(done=self.job.done)
        elif self.terminal is not None:
            self.terminal.show(self.job.stage, self.job.done, self.job.total)

    def commit(self, *, done: int | None = None, checkpoint: dict[str, Any] | None = None) -> None:
        """Call inside the transaction that saved the work the checkpoint describes."""
        if done is not None:
            self.job.done = done
        fields: dict[str, Any] = {"done": self.job.done}
        if checkpoint is not None:
            self.job.checkpoint = checkpoint
            fields["checkpoint"] = checkpoint
        self._write(**fields)

    def check_cancelled(self) -> None:
        with rls.as_owner():
            asked = Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists()
        if asked:
            raise JobCancelled()

    def _write(self, **fields: Any) -> None:
        fields["heartbeat_at"] = timezone.now()
        with rls.as_owner():
            Job.objects.filter(pk=self.job.pk).update(**fields)
        self._flushed = time.monotonic()
        if self.terminal is not None:
            self.terminal.show(self.job.stage, self.job.done, self.job.total)
