"""Real worker processes for the tests: a migrated database they can reach (a file
SQLite copy of one migrated template, or the PostgreSQL test database), scripts run in
their own interpreter, and the job row read straight from the database."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import carehub

ROOT = Path(__file__).resolve().parents[3]
SRC = Path(carehub.__file__).resolve().parents[1]


@dataclass
class QueueDatabase:
    env: dict[str, str]
    vendor: str
    url: str

    def script(self, code: str, *, timeout: float = 120) -> str:
        """Run `code` after django.setup() in a new interpreter; its stdout."""
        source = "import django\ndjango.setup()\n" + textwrap.dedent(code)
        done = subprocess.run([sys.executable, "-c", source], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, done.stderr[-4000:]
        return done.stdout.strip()

    def command(self, *args: str, timeout: float = 120,
                extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "carehub.cli", *args],
                              env={**self.env, **(extra_env or {})}, cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout)

    def popen(self, *args: str, log: Path, extra_env: dict[str, str] | None = None
              ) -> subprocess.Popen[bytes]:
        handle = open(log, "wb")  # noqa: SIM115 - closed with the process by the caller's wait
        return subprocess.Popen([sys.executable, "-m", "carehub.cli", *args],
                                env={**self.env, **(extra_env or {})}, cwd=ROOT,
                                stdout=handle, stderr=subprocess.STDOUT)

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Read straight from the database (no Django in this process's way)."""
        if self.vendor == "sqlite":
            with sqlite3.connect(self.env["DATABASE_URL"].removeprefix("sqlite:///"),
                                 timeout=20) as conn:
                return conn.execute(sql.replace("%s", "?"), params).fetchall()
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]

    def job(self, pk: str) -> dict[str, Any]:
        cols = ("status", "done", "total", "attempts", "worker_id", "message")
        row = self.query(f"SELECT {', '.join(cols)} FROM jobs_job WHERE id = %s",  # noqa: S608
                         (pk.replace("-", "") if self.vendor == "sqlite" else pk,))
        assert row, f"no job {pk}"
        return dict(zip(cols, row[0], strict=True))


def base_env(database_url: str, var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(DATABASE_URL=database_url, CAREHUB_VAR=str(var),
               DJANGO_SETTINGS_MODULE="carehub.settings",
               PYTHONPATH=os.pathsep.join([str(SRC), str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def migrated_sqlite_template(folder: Path) -> Path:
    """One migrated SQLite file per test session; each test gets a copy."""
    template = folder / "template.sqlite3"
    if not template.exists():
        env = base_env(f"sqlite:///{template}", folder)
        subprocess.run([sys.executable, "-m", "carehub.cli", "migrate", "--no-input", "-v", "0"],
                       env=env, cwd=ROOT, check=True, timeout=600)
        # One file: fold the write-ahead log in, so a plain copy is the whole database.
        with sqlite3.connect(template) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA journal_mode=DELETE")
    return template


def sqlite_database(template: Path, folder: Path) -> QueueDatabase:
    target = folder / "carehub.sqlite3"
    shutil.copyfile(template, target)
    url = f"sqlite:///{target}"
    return QueueDatabase(base_env(url, folder), "sqlite", url)


def postgres_database(settings_dict: dict[str, Any], folder: Path) -> QueueDatabase:
    """The PostgreSQL test database (already migrated by pytest-django)."""
    user, host = settings_dict.get("USER") or "postgres", settings_dict.get("HOST") or "127.0.0.1"
    port, name = settings_dict.get("PORT") or 5432, settings_dict["NAME"]
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}" if password else user
    url = f"postgresql://{auth}@{host}:{port}/{name}"
    return QueueDatabase(base_env(url, folder), "postgresql", url)


def wait_for(predicate: Callable[[], Any], *, timeout: float = 60, every: float = 0.2,
             what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
