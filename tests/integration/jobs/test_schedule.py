"""The schedule: when entries are due, what a scheduled run records, and the periodic
tasks now on it (escalations moving up, sealing and verifying the audit chain)."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from django_tasks_db.models import DBTaskResult

from carehub.jobs import scheduler, services
from carehub.jobs.models import Job, JobStatus, ScheduledRun
from carehub.jobs.runner import run_job
from carehub.jobs.scheduler import DailyAt, Every
from carehub.jobs.tasks import audit_seal_body, audit_verify_body
from carehub.referrals.tasks import escalate_body
from carehub.schedule import SCHEDULE
from carehub.tenancy.access import Acting
from tests.integration.jobs.sample_tasks import TEST_SCHEDULE, tick_body
from tests.integration.test_audit import sealed_chain, tamper

pytestmark = pytest.mark.django_db


def local(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return timezone.make_aware(datetime(y, m, d, hh, mm))


def test_every_is_due_at_once_then_after_its_interval():
    every = Every(timedelta(minutes=15))
    now = local(2026, 3, 2, 12)
    assert every.due(None, now)
    assert not every.due(now - timedelta(minutes=14), now)
    assert every.due(now - timedelta(minutes=15), now)


def test_daily_at_is_due_once_its_time_has_passed_since_the_last_run():
    nightly = DailyAt(time(3, 30))
    assert nightly.latest(local(2026, 3, 2, 3, 29)) == local(2026, 3, 1, 3, 30)
    assert nightly.latest(local(2026, 3, 2, 3, 30)) == local(2026, 3, 2, 3, 30)
    last = local(2026, 3, 1, 3, 31)
    assert not nightly.due(last, local(2026, 3, 2, 3, 29))
    assert nightly.due(last, local(2026, 3, 2, 3, 30))
    assert not nightly.due(None, local(2026, 3, 2, 4))  # first sight: waits for its time


def test_enqueue_due_starts_site_wide_jobs_on_the_periodic_queue_once():
    now = local(2026, 3, 2, 12)
    first = scheduler.enqueue_due(now=now, schedule=TEST_SCHEDULE)
    assert sorted(j.kind for j in first) == ["periodic.test.hourly", "periodic.test.quarterly"]
    for job in first:
        assert job.organisation_id is None and job.user_id is None and job.role == "system"
        assert DBTaskResult.objects.get(pk=job.task_id).queue_name == "periodic"
    assert scheduler.enqueue_due(now=now + timedelta(minutes=5), schedule=TEST_SCHEDULE) == []
    later = scheduler.enqueue_due(now=now + timedelta(minutes=16), schedule=TEST_SCHEDULE)
    assert [j.kind for j in later] == ["periodic.test.quarterly"]
    # The nightly entry was first seen at noon: it runs at 02:00 the next night, once.
    night = scheduler.enqueue_due(now=local(2026, 3, 3, 2, 1), schedule=TEST_SCHEDULE)
    assert sorted(j.kind for j in night) == ["periodic.test.hourly", "periodic.test.nightly",
                                             "periodic.test.quarterly"]
    assert "periodic.test.nightly" not in [
        j.kind for j in scheduler.enqueue_due(now=local(2026, 3, 3, 2, 30), schedule=TEST_SCHEDULE)]
    # A scheduled job runs like any other and is shown as site-wide work.
    job = first[0]
    run_job(str(job.pk), tick_body)
    with scopes_disabled():
        assert Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED


def test_the_sites_schedule_names_real_periodic_tasks_once_each():
    names = [entry.name for entry in SCHEDULE]
    assert len(names) == len(set(names))
    assert {"referrals.escalate", "audit.seal", "audit.verify"} <= set(names)
    for entry in SCHEDULE:
        assert entry.task.queue_name == "periodic", entry.name
        assert entry.title
    assert scheduler.load_schedule() is SCHEDULE


def system_job(body_kind: str) -> Job:
    from tests.integration.jobs.sample_tasks import periodic_count_task

    return services.start_job(periodic_count_task, kind=body_kind, title=body_kind,
                              acting=Acting.system())


def reload(job: Job) -> Job:
    with scopes_disabled():
        return Job.objects.get(pk=job.pk)


def test_the_escalation_run_records_what_moved():
    job = system_job("periodic.referrals.escalate")
    run_job(str(job.pk), escalate_body)
    job = reload(job)
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {"moved": 0, "at_top": 0, "mails": 0}
    assert job.message.startswith("0 moved up")


def test_sealing_and_verifying_an_intact_chain(tenant):
    from tests.integration.test_audit import seed_events

    seed_events(tenant, 3)
    seal = system_job("periodic.audit.seal")
    run_job(str(seal.pk), audit_seal_body)
    assert reload(seal).status == JobStatus.SUCCEEDED and reload(seal).result["sealed"] >= 3
    verify = system_job("periodic.audit.verify")
    run_job(str(verify.pk), audit_verify_body)
    assert reload(verify).status == JobStatus.SUCCEEDED
    assert reload(verify).message.startswith("Audit chain intact")


def test_a_broken_chain_fails_the_nightly_job_loudly(tenant, caplog):
    seals = sealed_chain(tenant)
    tamper("UPDATE audit_auditevent SET object_id = %s WHERE seq = %s",
           ["forged", seals[2].event_id])
    job = system_job("periodic.audit.verify")
    with caplog.at_level(logging.ERROR, logger="carehub.audit.verify"):
        run_job(str(job.pk), audit_verify_body)
    job = reload(job)
    assert job.status == JobStatus.FAILED
    assert job.message.startswith("The audit chain is broken: 1 findings")
    assert job.errors == [{"where": "audit chain", "message": (
        f"event {seals[2].event_id} (chain position 3) does not match its seal: the event "
        "was changed, or it or its seal was forged")}]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert any("audit chain broken: 1 findings" in r.getMessage() for r in errors)
    assert ScheduledRun.objects.count() == 0  # run directly here, not through the schedule
