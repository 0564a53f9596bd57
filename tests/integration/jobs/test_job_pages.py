"""The job page, its progress partial, cancelling, My jobs and who may see what."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from carehub.jobs import services
from carehub.jobs.models import Job, JobStatus
from carehub.jobs.runner import run_job
from tests.integration.conftest import acting_as, signed_in
from tests.integration.jobs.sample_tasks import count_body, count_task

pytestmark = pytest.mark.django_db


def start(user, n: int = 3, title: str = "Count to three") -> Job:  # type: ignore[no-untyped-def]
    return services.start_job(count_task, kind="test.count", title=title,
                              acting=acting_as(user), params={"n": n}, total=n)


def reload(job: Job) -> Job:
    with scopes_disabled():
        return Job.objects.get(pk=job.pk)


def test_the_job_page_shows_the_bar_that_polls_until_finished(tenant):
    analyst = tenant.users["payer_analyst"]
    job = start(analyst)
    client = signed_in(analyst)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "<h1>Count to three</h1>" in page
    assert f'hx-get="/jobs/{job.pk}/progress/?own=1"' in page and 'hx-trigger="every 1s"' in page
    assert '<progress max="3" value="0"' in page and "Waiting for a worker" in page
    assert "Cancel</button>" in page

    run_job(str(job.pk), count_body)
    bar = client.get(f"/jobs/{job.pk}/progress/?own=1").content.decode()
    # Finished: no more polling, the message and the link to the result.
    assert "hx-trigger" not in bar and "Cancel</button>" not in bar
    assert "Counted 3." in bar and '<a href="/jobs/">See the result</a>' in bar
    assert "3 of 3" in bar and "(100%)" in bar


def test_a_failed_job_lists_its_errors_where_and_what(tenant):
    worker = tenant.users["cbo_worker"]
    job = start(worker, n=-1, title="Count backwards")
    run_job(str(job.pk), count_body)
    bar = signed_in(worker).get(f"/jobs/{job.pk}/progress/").content.decode()
    assert "Failed" in bar and "n must not be negative" in bar
    assert "<td>field n</td><td>below 0</td>" in bar


def test_cancel_by_htmx_returns_the_bar_and_stops_the_job(tenant):
    coordinator = tenant.users["hub_coordinator"]
    job = start(coordinator, n=5)
    client = signed_in(coordinator)
    assert client.get(f"/jobs/{job.pk}/cancel/").status_code == 405
    response = client.post(f"/jobs/{job.pk}/cancel/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Stopping…" in response.content.decode() and "Cancel</button>" not in response.content.decode()
    assert reload(job).cancel_requested
    run_job(str(job.pk), count_body)
    assert reload(job).status == JobStatus.CANCELLED
    # Without htmx: back to the job's page.
    other = start(coordinator)
    assert client.post(f"/jobs/{other.pk}/cancel/")["Location"] == f"/jobs/{other.pk}/"


def test_another_organisation_and_a_non_admin_colleague_get_404(tenant, other_tenant):
    job = start(tenant.users["cbo_worker"])
    urls = [f"/jobs/{job.pk}/", f"/jobs/{job.pk}/progress/"]
    outsiders = [signed_in(u) for u in other_tenant.users.values()]
    # Same organisation (the CBO) but not its administrator: another worker.
    from tests.integration.conftest import make_user

    with scopes_disabled():
        colleague = make_user("Alpha-worker2", tenant.cbo, "cbo_worker")
    for client in [*outsiders, signed_in(colleague)]:
        for url in urls:
            assert client.get(url).status_code == 404, url
        assert client.post(f"/jobs/{job.pk}/cancel/").status_code == 404
        assert str(job.pk) not in client.get("/jobs/").content.decode()
    assert not reload(job).cancel_requested
    # The hub's people do not see the CBO's job either: it is the CBO's.
    assert signed_in(tenant.users["hub_admin"]).get(urls[0]).status_code == 404
    # The CBO's supervisor administers it and sees it, and the starter does.
    for user in (tenant.users["cbo_supervisor"], tenant.users["cbo_worker"]):
        assert signed_in(user).get(urls[0]).status_code == 200


def test_my_jobs_lists_the_users_jobs_with_a_status_filter(tenant):
    analyst, manager = tenant.users["payer_analyst"], tenant.users["payer_manager"]
    mine = start(analyst, title="Analyst count")
    done = start(analyst, title="Finished count")
    run_job(str(done.pk), count_body)
    theirs = start(manager, title="Manager count")
    page = signed_in(analyst).get("/jobs/").content.decode()
    assert "Analyst count" in page and "Finished count" in page and "Manager count" not in page
    assert "<h1>My jobs</h1>" in page and f'href="/jobs/{mine.pk}/"' in page
    filtered = signed_in(analyst).get("/jobs/?status=succeeded").content.decode()
    assert "Finished count" in filtered and "Analyst count" not in filtered
    assert "Nothing shown" in signed_in(analyst).get("/jobs/?status=nonsense").content.decode()
    # The plan's manager administers the plan: sees everyone's.
    overseen = signed_in(manager).get("/jobs/").content.decode()
    assert all(t in overseen for t in ("Analyst count", "Manager count"))
    assert str(theirs.pk) in overseen


def test_every_role_has_the_my_jobs_link(tenant):
    for user in tenant.users.values():
        assert '<a href="/jobs/"' in signed_in(user).get("/").content.decode(), user


def test_platform_staff_see_every_job_and_the_workers_in_the_admin(tenant):
    from datetime import timedelta

    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from carehub.accounts.models import User
    from carehub.jobs import scheduler
    from carehub.jobs.models import WorkerHeartbeat
    from tests.integration.jobs.sample_tasks import TEST_SCHEDULE

    job = start(tenant.users["cbo_worker"], title="A CBO's count")
    scheduler.enqueue_due(schedule=TEST_SCHEDULE)  # site-wide runs, no organisation
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="w-1", host="h", pid=9, started_at=now,
                                   seen_at=now - timedelta(seconds=3))
    staff = User.objects.create_superuser("platform-ops", "ops@example.org", "pw-9-correct")
    TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    client = signed_in(staff)
    jobs = client.get("/admin/jobs/job/").content.decode()
    assert "A CBO&#x27;s count" in jobs and "Hourly count" in jobs
    assert client.get(f"/admin/jobs/job/{job.pk}/change/").status_code == 200
    assert "w-1" in client.get("/admin/jobs/workerheartbeat/").content.decode()
    assert "test.hourly" in client.get("/admin/jobs/scheduledrun/").content.decode()
    # Read-only: nobody edits a job here.
    assert client.post(f"/admin/jobs/job/{job.pk}/change/", {"title": "x"}).status_code == 403
