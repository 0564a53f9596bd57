"""Backup and restore as docs/operations.md describes them: seed a database, `pg_dump -Fc`,
`pg_restore --no-owner` into a fresh database, and the restored copy's audit chain verifies.

Runs the real tools and the real `carehub` entry point against throwaway databases on the
test server (never the test database itself, which pytest-django wraps in transactions).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

import carehub
from carehub.exchange import demo as exchange_demo

SRC = str(Path(carehub.__file__).resolve().parents[1])
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def server() -> dict[str, str]:
    db = settings.DATABASES["default"]
    return {"host": db.get("HOST") or "127.0.0.1", "port": str(db.get("PORT") or 5432),
            "user": db.get("USER") or "postgres", "password": db.get("PASSWORD") or ""}


def pg(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    s = server()
    env = {**os.environ, "PGPASSWORD": s["password"]}
    return subprocess.run([tool, "-h", s["host"], "-p", s["port"], "-U", s["user"], *args],
                          capture_output=True, text=True, env=env, timeout=600)


def url(name: str) -> str:
    s = server()
    auth = s["user"] + (f":{s['password']}" if s["password"] else "")
    return f"postgresql://{auth}@{s['host']}:{s['port']}/{name}"


# The site's own folder for this test: the seeding writes audit checkpoints there, and the
# restored copy is verified against them, as an operator keeps them beside the backup.
SITE_VAR = Path(tempfile.mkdtemp(prefix="carehub-backup-"))


def carehub_cli(database: str, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": SRC, "DATABASE_URL": url(database),
           "CAREHUB_VAR": str(SITE_VAR),
           "CAREHUB_AUDIT_CHECKPOINTS": str(SITE_VAR / "audit-checkpoints.log"),
           "DJANGO_SETTINGS_MODULE": "carehub.settings",
           # A keyed audit chain needs the same key on the restored copy.
           "CAREHUB_AUDIT_KEY": os.environ.get("CAREHUB_AUDIT_KEY", "backup-restore-test-key-" * 2)}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run([sys.executable, "-m", "carehub.cli", *argv], capture_output=True,
                          text=True, env=env, timeout=900)


def sql(database: str, query: str) -> str:
    result = pg("psql", "-d", database, "-Atc", query)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture
def databases() -> Iterator[tuple[str, str]]:
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump/pg_restore are not installed")
    suffix = uuid.uuid4().hex[:8]
    source, target = f"carehub_backup_src_{suffix}", f"carehub_backup_dst_{suffix}"
    for name in (source, target):
        created = pg("createdb", name)
        assert created.returncode == 0, created.stderr
    try:
        yield source, target
    finally:
        for name in (source, target):
            pg("dropdb", "--if-exists", "--force", name)


def test_dump_restore_and_verify_the_audit_chain(databases: tuple[str, str],
                                                 tmp_path: Path) -> None:
    source, target = databases
    seeded = carehub_cli(source, "demo", "--no-serve", "--members", "25")
    assert seeded.returncode == 0, seeded.stderr
    events = int(sql(source, "SELECT count(*) FROM audit_auditevent"))
    members = sql(source, "SELECT count(*) FROM members_member")
    # The 25 seeded, and the few new ones the plan's demo member list brings by file.
    assert events > 0 and int(members) == 25 + len(exchange_demo.ROSTER)

    dump = tmp_path / "carehub.dump"
    dumped = pg("pg_dump", "-Fc", "--no-owner", "-f", str(dump), source)
    assert dumped.returncode == 0, dumped.stderr
    # --no-owner: objects belong to whoever restores (the site's owner role on the new
    # server); grants to carehub_tenant are kept, so that role must exist beforehand.
    restored = pg("pg_restore", "--no-owner", "--exit-on-error", "-d", target, str(dump))
    assert restored.returncode == 0, restored.stderr

    assert sql(target, "SELECT count(*) FROM audit_auditevent") == str(events)
    assert sql(target, "SELECT count(*) FROM members_member") == members
    # Row-level security and the request role's privileges came across with the data.
    assert sql(target, "SELECT relrowsecurity FROM pg_class WHERE relname = 'members_member'") == "t"
    assert sql(target, "SELECT has_table_privilege('carehub_tenant', 'members_member', "
                       "'SELECT')") == "t"

    verified = carehub_cli(target, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert str(events) in verified.stdout

    # The check can fail: a row edited after the restore breaks the chain.
    sql(target, "SET session_replication_role = replica; "  # past the append-only trigger
                "UPDATE audit_auditevent SET object_id = object_id || 'x' "
                "WHERE seq = (SELECT max(seq) FROM audit_auditevent)")
    tampered = carehub_cli(target, "audit", "verify")
    assert tampered.returncode != 0
