"""The job record, its runner and take-over of a dead worker's job."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from django_tasks_db.models import DBTaskResult

from carehub.jobs import services
from carehub.jobs.models import Job, JobStatus
from carehub.jobs.runner import run_job
from carehub.tenancy.access import Acting
from tests.integration.conftest import acting_as
from tests.integration.jobs.sample_tasks import count_body, count_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def acting(tenant) -> Acting:
    return acting_as(tenant.users["hub_admin"])


def test_start_job_queues_one_task_carrying_only_the_job_id(acting):
    job = services.start_job(count_task, kind="test.count", title="Count", acting=acting,
                             params={"n": 3})
    entry = DBTaskResult.objects.get(pk=job.task_id)
    assert entry.args_kwargs == {"args": [str(job.pk)], "kwargs": {}}
    assert entry.status == "READY"
    assert job.status == JobStatus.QUEUED and job.task_path.endswith("sample_tasks.count_task")


def test_runner_records_progress_result_and_acts_as_the_starter(acting):
    job = services.start_job(count_task, kind="test.count", title="Count", acting=acting,
                             params={"n": 4})
    out = run_job(str(job.pk), count_body)
    with scopes_disabled():
        job.refresh_from_db()
    assert out["status"] == "succeeded"
    assert (job.status, job.done, job.total, job.checkpoint) == ("succeeded", 4, 4, {"next": 4})
    assert job.result == {"counted": 4, "by": acting.role}
    assert job.message == "Counted 4." and job.finished_at is not None
    # Delivered twice: the second delivery does nothing.
    assert run_job(str(job.pk), count_body)["status"] == "skipped"


def test_a_fixable_failure_keeps_its_places(acting):
    job = services.start_job(count_task, kind="test.count", title="Count", acting=acting,
                             params={"n": -1})
    run_job(str(job.pk), count_body)
    with scopes_disabled():
        job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.message == "n must not be negative"
    assert job.errors == [{"where": "field n", "message": "below 0"}]


def test_cancel_before_start_and_after_finish(acting):
    job = services.start_job(count_task, kind="test.count", title="Count", acting=acting,
                             params={"n": 2})
    with scope(organisation=acting.organisation.pk):
        assert services.request_cancel(job, acting=acting) is True
    run_job(str(job.pk), count_body)
    with scopes_disabled():
        job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    with scope(organisation=acting.organisation.pk):
        assert services.request_cancel(job, acting=acting) is False


def test_a_dead_workers_job_is_put_back_and_resumes_from_its_checkpoint(acting):
    job = services.start_job(count_task, kind="test.count", title="Count", acting=acting,
                             params={"n": 5})
    old_task = job.task_id
    long_ago = timezone.now() - timedelta(minutes=10)
    with scopes_disabled():
        Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, worker_id="dead",
                                             heartbeat_at=long_ago, attempts=1,
                                             checkpoint={"next": 3}, done=3)
    DBTaskResult.objects.filter(pk=old_task).update(status="RUNNING")
    taken = services.take_over_stale()
    assert [j.pk for j in taken] == [job.pk]
    with scopes_disabled():
        job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.task_id != old_task
    assert DBTaskResult.objects.get(pk=old_task).status == "FAILED"
    run_job(str(job.pk), count_body)
    with scopes_disabled():
        job.refresh_from_db()
    assert (job.status, job.done, job.attempts) == ("succeeded", 5, 2)


def test_a_jobs_log_lines_carry_its_id_kind_and_organisation(acting):
    import logging

    from carehub.logs import RequestContextFilter

    class Keep(logging.Handler):
        def __init__(self) -> None:
            super().__init__(logging.WARNING)
            self.records: list[logging.LogRecord] = []
            self.addFilter(RequestContextFilter())

        def emit(self, record: logging.LogRecord) -> None:
            self.records.append(record)

    def body(job, acting, progress):
        logging.getLogger("carehub.test").warning("working")
        raise RuntimeError("boom")

    job = services.start_job(count_task, kind="test.count", title="Count", acting=acting,
                             params={"n": 1})
    keep = Keep()
    root = logging.getLogger()
    root.addHandler(keep)
    try:
        run_job(str(job.pk), body)
    finally:
        root.removeHandler(keep)
    records = [r for r in keep.records if r.name in ("carehub.test", "carehub.jobs")]
    assert [r.getMessage() for r in records] == ["working", f"job {job.pk} (test.count) failed"]
    assert {(r.job_id, r.job_kind, r.organisation_id) for r in records} == {
        (str(job.pk), "test.count", acting.organisation.pk)}
