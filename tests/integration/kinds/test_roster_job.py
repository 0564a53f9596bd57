"""The roster import as a job: checked first, saved in chunks with its checkpoint,
resumable, and a second run of the same file changes nothing."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.jobs.models import Job, JobStatus
from carehub.members.jobfiles import job_folder
from carehub.members.models import EnrolmentSpan, Member, MemberAccess
from carehub.members.tasks import roster_import_body
from carehub.referrals import uploads
from tests.integration.conftest import acting_as
from tests.integration.kinds.helpers import HEADER, roster_text, run, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(tenant):  # type: ignore[no-untyped-def]
    return acting_as(tenant.users["payer_manager"])


def members(plan) -> int:  # type: ignore[no-untyped-def]
    with scopes_disabled():
        return Member.objects.filter(plan=plan).count()


def test_roster_job_saves_in_chunks_and_again_changes_nothing(tenant, manager):
    job = uploads.start_upload(manager, kind="roster", plan=tenant.payer,
                               upload=upload(roster_text(7)), chunk=3)
    assert job_folder(job.pk).joinpath("upload.csv").is_file()
    job = run(job, roster_import_body)
    assert job.status == JobStatus.SUCCEEDED, (job.message, job.errors)
    assert (job.result["rows"], job.result["created"], job.result["unchanged"]) == (7, 7, 0)
    assert job.checkpoint["next"] == 7 and job.done == 7
    assert not job_folder(job.pk).exists()  # the copy goes when the job ends
    assert members(tenant.payer) == 1 + 7
    with scopes_disabled():
        assert MemberAccess.objects.filter(member__member_id__startswith="R",
                                           organisation=tenant.payer).count() == 7
        assert EnrolmentSpan.objects.filter(member__member_id__startswith="R").count() == 7
        assert AuditEvent.objects.filter(object_type="roster_import").count() == 1
    again = run(uploads.start_upload(manager, kind="roster", plan=tenant.payer,
                                     upload=upload(roster_text(7)), chunk=3), roster_import_body)
    assert (again.result["created"], again.result["updated"], again.result["unchanged"]) == (0, 0, 7)
    assert members(tenant.payer) == 8


def test_a_member_on_several_rows_is_counted_once_across_chunks(tenant, manager):
    text = HEADER + ("S1,Sam,Su,1950-02-03,M,medicaid,2024-01-01,2024-06-30,\n"
                     "S2,Sue,Su,1950-02-03,F,medicaid,2024-01-01,,\n"
                     "S1,Sam,Su,1950-02-03,M,medicaid,2025-01-01,,\n")
    job = run(uploads.start_upload(manager, kind="roster", plan=tenant.payer,
                                   upload=upload(text), chunk=2), roster_import_body)
    assert (job.result["created"], job.result["spans_created"]) == (2, 3)
    again = run(uploads.start_upload(manager, kind="roster", plan=tenant.payer,
                                     upload=upload(text), chunk=2), roster_import_body)
    assert (again.result["created"], again.result["unchanged"]) == (0, 2)


def test_bad_rows_fail_the_job_with_every_place_and_save_nothing(tenant, manager):
    text = HEADER + ("B1,Bo,Bu,1950-13-03,F,medicaid,2025-01-01,,\n"
                     "B2,Bea,Bu,1950-02-03,X,medicaid,2025-01-01,,\n"
                     "B1,Bo,Bu,1950-02-03,F,medicaid,2025-01-01,,\n")
    job = run(uploads.start_upload(manager, kind="roster", plan=tenant.payer,
                                   upload=upload(text, "people.csv"), chunk=1),
              roster_import_body)
    assert job.status == JobStatus.FAILED
    assert "nothing was saved" in job.message
    assert {"where": "people.csv row 2, column birth_date",
            "message": "'1950-13-03' is not a date YYYY-MM-DD"} in job.errors
    assert {"where": "people.csv row 3, column sex", "message": "'X' is not one of F, M, U"} in job.errors
    assert {"where": "people.csv row 4, column member_id",
            "message": "B1 with enroll_start 2025-01-01 repeats row 2"} in job.errors
    assert members(tenant.payer) == 1 and job.checkpoint == {}


def test_resume_starts_at_the_checkpoint_and_refuses_another_file(tenant, manager):
    job = uploads.start_upload(manager, kind="roster", plan=tenant.payer,
                               upload=upload(roster_text(5)), chunk=2)
    # As if a worker had committed the first chunk and died: rows 0-1 saved, checkpoint 2.
    first = run(uploads.start_upload(manager, kind="roster", plan=tenant.payer,
                                     upload=upload(roster_text(2)), chunk=2), roster_import_body)
    assert first.result["created"] == 2
    with scopes_disabled():
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING, checkpoint={"next": 2, "counts": {"created": 2}, "seen": []})
    job = run(job, roster_import_body)
    assert (job.result["created"], job.result["unchanged"]) == (5, 0)
    assert members(tenant.payer) == 6
    # A resumed job whose kept file changed is refused.
    other = uploads.start_upload(manager, kind="roster", plan=tenant.payer,
                                 upload=upload(roster_text(3, prefix="Q")))
    job_folder(other.pk).joinpath("upload.csv").write_text(roster_text(4, prefix="Q"))
    other = run(other, roster_import_body)
    assert other.status == JobStatus.FAILED and "checksum differs" in other.message
    assert members(tenant.payer) == 6


def test_a_cancel_stops_between_chunks_and_keeps_what_was_committed(tenant, manager,
                                                                     monkeypatch):
    from carehub.members import tasks

    real = tasks.save_roster_chunk
    calls: list[int] = []

    def save_then_ask_to_stop(plan, chunk, *args):  # type: ignore[no-untyped-def]
        real(plan, chunk, *args)
        calls.append(len(chunk))
        with scopes_disabled():
            Job.objects.filter(pk=job.pk).update(cancel_requested=True)

    monkeypatch.setattr(tasks, "save_roster_chunk", save_then_ask_to_stop)
    job = uploads.start_upload(manager, kind="roster", plan=tenant.payer,
                               upload=upload(roster_text(6)), chunk=2)
    job = run(job, roster_import_body)
    assert job.status == JobStatus.CANCELLED and calls == [2]
    assert job.checkpoint["next"] == 2 and members(tenant.payer) == 1 + 2
    assert "running it again carries on" in job.message
    monkeypatch.setattr(tasks, "save_roster_chunk", real)
    again = run(uploads.start_upload(manager, kind="roster", plan=tenant.payer,
                                     upload=upload(roster_text(6))), roster_import_body)
    assert (again.result["created"], again.result["unchanged"]) == (4, 2)
