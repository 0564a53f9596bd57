"""SIGKILL in the middle of a job (the issue's "done when"): a worker process running a
roster import, a bulk assignment or a settlement is killed with `kill -9` once it has
committed at least one chunk; what it left is exactly what its checkpoint says (no
half-saved chunk), and after take-over a second worker finishes the job with the end
state of a clean run (no duplicate members, referrals or events; the same statement).

The world lives on its own database (a SQLite file, or a PostgreSQL database made for
the module when DATABASE_URL names PostgreSQL) so that separate processes share it."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
SRC = ROOT / "src"
ROWS = 800
CHUNK = 25
pytestmark = pytest.mark.slow


class World:
    def __init__(self, env: dict[str, str], folder: Path, query: Any) -> None:
        self.env, self.folder, self.query = env, folder, query

    def run(self, *args: str, timeout: int = 600) -> str:
        done = subprocess.run([sys.executable, "-m", "tests.integration.kinds.killworld",
                               *args], env=self.env, cwd=ROOT, capture_output=True, text=True,
                              timeout=timeout)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout.strip().splitlines()[-1]

    def state(self, job: str) -> dict[str, Any]:
        return dict(json.loads(self.run("state", job)))

    def worker(self, job: str) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "tests.integration.kinds.killworld",
                                 "worker", job], env=self.env, cwd=ROOT, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def kill_after(self, job: str, ready: Any, *, limit: float = 120) -> dict[str, Any]:
        """Start a worker on `job`, SIGKILL it once `ready(status, done, checkpoint)`."""
        process = self.worker(job)
        deadline = time.monotonic() + limit
        try:
            while True:
                row = self.query(job)
                if row is not None and ready(*row):
                    os.kill(process.pid, signal.SIGKILL)
                    break
                assert process.poll() is None, f"worker ended first: {process.communicate()}"
                assert time.monotonic() < deadline, "the job never got there"
                time.sleep(0.005)
        finally:
            process.wait(timeout=60)
        assert process.returncode == -signal.SIGKILL
        return self.state(job)

    def resume(self, job: str) -> dict[str, Any]:
        assert json.loads(self.run("takeover")) == [job]
        process = self.worker(job)
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err[-3000:]
        return self.state(job)


def _sqlite_query(path: Path) -> Any:
    def query(job: str) -> tuple[str, int, dict[str, Any]] | None:
        with sqlite3.connect(path, timeout=30) as db:
            row = db.execute("SELECT status, done, checkpoint FROM jobs_job WHERE id = ?",
                             (job.replace("-", ""),)).fetchone()
        return (row[0], row[1], json.loads(row[2])) if row else None
    return query


def _postgres_query(url: str) -> Any:
    import psycopg

    def query(job: str) -> tuple[str, int, dict[str, Any]] | None:
        with psycopg.connect(url, autocommit=True) as db:
            row = db.execute("SELECT status, done, checkpoint FROM jobs_job WHERE id = %s",
                             (job,)).fetchone()
        return (row[0], row[1], row[2]) if row else None
    return query


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("kill-world")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(CAREHUB_VAR=str(folder), DJANGO_SETTINGS_MODULE="carehub.settings",
               PYTHONPATH=os.pathsep.join([str(SRC), str(ROOT)]))
    url = os.environ.get("DATABASE_URL", "")
    drop = None
    if url.startswith("postgres"):
        import psycopg

        base, _, _ = url.rpartition("/")
        name = os.environ.get("CAREHUB_TEST_DB", "test_carehub") + "_kill"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}"')
            db.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"{base}/{name}"
        query = _postgres_query(env["DATABASE_URL"])

        def drop() -> None:  # type: ignore[misc]
            with psycopg.connect(f"{base}/postgres", autocommit=True) as db:
                db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        database = folder / "carehub.sqlite3"
        env["DATABASE_URL"] = f"sqlite:///{database}"
        query = _sqlite_query(database)
    subprocess.run([sys.executable, "-m", "carehub.cli", "migrate", "--no-input", "-v", "0"],
                   env=env, check=True, cwd=ROOT, timeout=600)
    made = World(env, folder, query)
    made.run("seed", str(folder), str(ROWS))
    try:
        yield made
    finally:
        if drop is not None:
            drop()


def committed_a_chunk(status: str, done: int, checkpoint: dict[str, Any]) -> bool:
    return status == "running" and bool(checkpoint) and done >= CHUNK


def test_roster_import_killed_mid_chunk_resumes_to_a_clean_end(world: World) -> None:
    job = world.run("start", "roster", str(CHUNK), str(world.folder))
    killed = world.kill_after(job, committed_a_chunk)
    saved = killed["checkpoint"]["next"]
    assert killed["status"] == "running" and 0 < saved < ROWS
    # Exactly the committed chunks, no row of the chunk being written when it died.
    assert saved % CHUNK == 0
    assert killed["members"] == killed["spans"] == killed["access"] == saved
    assert killed["checkpoint"]["counts"]["created"] == saved
    end = world.resume(job)
    assert end["status"] == "succeeded", end["message"]
    assert end["members"] == end["spans"] == end["access"] == ROWS
    assert (end["result"]["created"], end["result"]["updated"],
            end["result"]["unchanged"]) == (ROWS, 0, 0)
    # The same file again: nothing new.
    again = world.run("start", "roster", str(CHUNK), str(world.folder))
    world.worker(again).communicate(timeout=600)
    state = world.state(again)
    assert (state["result"]["created"], state["result"]["unchanged"]) == (0, ROWS)
    assert state["members"] == ROWS


def test_bulk_assignment_killed_mid_chunk_resumes_to_a_clean_end(world: World) -> None:
    job = world.run("start", "assign", str(CHUNK), str(world.folder))

    def ready(status: str, done: int, checkpoint: dict[str, Any]) -> bool:
        return status == "running" and checkpoint.get("assign", {}).get("done", 0) >= CHUNK

    killed = world.kill_after(job, ready)
    point = killed["checkpoint"]["assign"]
    assert 0 < point["done"] < ROWS and point["done"] % CHUNK == 0
    assert killed["referrals"] == killed["events"] == point["counts"]["created"] == point["done"]
    assert killed["hub_access"] == point["done"] and killed["duplicate_referrals"] == 0
    end = world.resume(job)
    assert end["status"] == "succeeded", end["message"]
    assert end["referrals"] == end["events"] == end["hub_access"] == ROWS
    assert end["duplicate_referrals"] == 0
    assert (end["result"]["assigned"], end["result"]["already_owned"],
            end["result"]["refused_count"]) == (ROWS, 0, 0)
    assert end["entries"] == ROWS


def test_settlement_killed_mid_job_issues_the_statement_once(world: World) -> None:
    job = world.run("start", "settle", "0", str(world.folder))
    killed = world.kill_after(job, lambda status, done, point: status == "running")
    assert killed["status"] == "running"
    # Nothing or the whole statement: it is issued in one transaction.
    assert killed["statements"] in (0, 1)
    end = world.resume(job)
    assert end["status"] == "succeeded", end["message"]
    assert end["statements"] == 1 and end["statement"]["lines"], "the world settles to something"
    assert end["result"]["sequence"] == 1
    assert end["result"]["total"] == end["statement"]["total"]
    # Settled again with nothing changed: nothing more is issued.
    again = world.run("start", "settle", "0", str(world.folder))
    world.worker(again).communicate(timeout=600)
    after = world.state(again)
    assert after["status"] == "succeeded" and after["result"]["issued"] is False
    assert after["statements"] == 1


def test_import_members_draws_a_bar_on_a_terminal_and_nothing_when_piped(
        world: World, tmp_path: Path) -> None:
    """The command runs the import job inline: through a pipe only the result line is
    printed; on a pseudo-terminal rich draws the progress bar as well."""
    import pty

    from tests.integration.kinds.helpers import roster_text

    roster = tmp_path / "roster.csv"
    roster.write_text(roster_text(60, prefix="T"))
    args = [sys.executable, "-m", "carehub.cli", "import_members", "roster", str(roster),
            "--plan", "kill-plan", "--chunk", "10"]
    piped = subprocess.run(args, env=world.env, capture_output=True, text=True, timeout=300,
                           cwd=ROOT)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == f"{roster}: 60 created, 0 updated, 0 unchanged\n"
    assert piped.stderr == ""
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.chdir(ROOT)
        os.execve(sys.executable, args, {**world.env, "COLUMNS": "120"})
    seen = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    _, status = os.waitpid(pid, 0)
    text = seen.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "Roster import: roster.csv: Saving" in text and "60/60" in text
    assert f"{roster}: 0 created, 0 updated, 60 unchanged" in text
    # A bad row: the same message and exit code as before, on a terminal or not.
    bad = tmp_path / "bad.csv"
    bad.write_text(roster_text(1, prefix="T").replace("1950-02-03", "1950-13-03"))
    failed = subprocess.run([*args[:5], str(bad), *args[6:]], env=world.env,
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert failed.returncode == 2 and failed.stdout == ""
    assert failed.stderr == (f"carehub import_members: {bad}: row 2, column birth_date: "
                             "'1950-13-03' is not a date YYYY-MM-DD\n")
