"""/healthz: no sign-in, counts only; 200 when healthy, 503 when the database is
unreachable or tasks wait with no live worker."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from carehub.jobs import services
from carehub.jobs.models import WorkerHeartbeat
from carehub.tenancy.access import Acting
from tests.integration.jobs.processes import ROOT, base_env
from tests.integration.jobs.sample_tasks import count_task

pytestmark = pytest.mark.django_db


def beat(age: timedelta) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(worker_id="w1", defaults={
        "started_at": now - age, "seen_at": now - age, "pid": 1, "host": "h"})


def test_ok_with_an_empty_queue_and_no_worker():
    response = Client().get("/healthz")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {
        "status": "ok", "database": "ok",
        "queue": {"ready": 0, "oldest_waiting_seconds": None},
        "workers": {"live": 0, "latest_heartbeat_seconds": None}, "problems": []}


def test_degraded_when_tasks_wait_and_no_worker_was_seen_for_two_minutes(tenant):
    services.start_job(count_task, kind="test.count", title="Count", acting=Acting.system(),
                       params={"n": 1})
    beat(timedelta(minutes=3))
    response = Client().get("/healthz")
    body = response.json()
    assert response.status_code == 503 and body["status"] == "degraded"
    assert body["queue"]["ready"] == 1 and body["queue"]["oldest_waiting_seconds"] >= 0
    assert body["workers"]["live"] == 0 and body["workers"]["latest_heartbeat_seconds"] >= 180
    assert body["problems"] == ["1 tasks wait and no worker has been seen for 120 seconds"]
    # A worker seen a moment ago: healthy again, with the task still waiting.
    beat(timedelta(seconds=3))
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["workers"]["live"] == 1


def test_no_member_data_and_no_sign_in_needed_even_for_a_signed_in_user(tenant):
    from tests.integration.conftest import signed_in

    response = signed_in(tenant.users["hub_admin"]).get("/healthz")
    assert response.status_code == 200
    assert tenant.member.last_name not in response.content.decode()
    assert Client().post("/healthz").status_code == 405


PROBE = """
import django
django.setup()
from django.test import Client
response = Client().get("/healthz")
print(response.status_code, response.content.decode())
"""


def test_degraded_when_the_database_is_unreachable(tmp_path):
    # A real failed connection: nothing listens on port 1.
    env = base_env("postgresql://carehub@127.0.0.1:1/nowhere", tmp_path)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    status, _, body = done.stdout.strip().partition(" ")
    assert status == "503"
    assert json.loads(body) == {"status": "degraded", "database": "unreachable", "queue": None,
                                "workers": None, "problems": ["the database is not reachable"]}
    assert "the database is not reachable" in done.stderr or "health check" in done.stderr


LOG_PROBE = """
import django
django.setup()
from django.test import Client
Client().get("/no-such-page/?q=Ada", secure=True, headers={"X-Request-ID": "req-0123456789abcdef"})
"""


def test_production_logs_are_json_lines_with_the_request_id(tmp_path):
    env = base_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path)
    (tmp_path / "static").mkdir()  # collected static files (WhiteNoise warns without)
    env.update(DJANGO_SETTINGS_MODULE="carehub.settings_production",
               CAREHUB_SECRET_KEY="k" * 50, CAREHUB_AUDIT_KEY="a" * 40,
               CAREHUB_LOG_LEVEL="INFO")
    done = subprocess.run([sys.executable, "-c", LOG_PROBE], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert lines, done.stderr
    (not_found,) = [line for line in lines if line["logger"] == "django.request"]
    assert not_found["request_id"] == "req-0123456789abcdef"
    assert not_found["path"] == "/no-such-page/" and not_found["level"] == "WARNING"
    assert not_found["user_id"] is None and "time" in not_found
    assert "Not Found" in not_found["message"]
    # No query string (a search may name a member) anywhere.
    assert "Ada" not in done.stderr
    # Every line on stderr is one JSON object.
    assert all(line.startswith("{") for line in done.stderr.splitlines() if line.strip())
