"""A ranked list's import and its bulk assignment as jobs: the rules at the door, refused
members named in the result, chunks with their checkpoint, nothing made twice."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from carehub.jobs.models import JobStatus
from carehub.members.tasks import roster_import_body
from carehub.referrals import jobs_api, uploads
from carehub.referrals.models import RankedList, RankedListEntry, Referral, ReferralEvent
from carehub.referrals.tasks import assignment_body, ranked_import_body
from tests.integration.conftest import acting_as
from tests.integration.kinds.helpers import ranked_text, roster_text, run, upload
from tests.integration.referrals.conftest import contract_with_terms, directory_service

pytestmark = pytest.mark.django_db
IDS = [f"R{i:06d}" for i in range(9)]


@pytest.fixture
def setup(tenant):  # type: ignore[no-untyped-def]
    directory_service(tenant.cbo)
    contract = contract_with_terms(tenant, "T-MEALS", hub_may_upload_members=True)
    manager = acting_as(tenant.users["payer_manager"])
    job = run(uploads.start_upload(manager, kind="roster", plan=tenant.payer,
                                   upload=upload(roster_text(9))), roster_import_body)
    assert job.status == JobStatus.SUCCEEDED
    return contract, manager


def start_ranked(tenant, acting, *, assign: bool, chunk: int = 2, text: str = ""):  # type: ignore[no-untyped-def]
    return uploads.start_upload(acting, kind="ranked", plan=tenant.payer,
                                upload=upload(text or ranked_text(IDS, selected_every=3),
                                              "ranked.csv"),
                                contract_code="T-MEALS", service_code="HDM", hub=tenant.hub,
                                assign=assign, chunk=chunk)


def test_ranked_import_and_assignment_in_chunks_then_nothing_twice(tenant, setup):
    _, manager = setup
    job = run(start_ranked(tenant, manager, assign=True), ranked_import_body)
    assert job.status == JobStatus.SUCCEEDED, (job.message, job.errors)
    r = job.result
    assert (r["rows"], r["ranked_list_new"], r["assigned"], r["not_selected"]) == (9, True, 3, 6)
    assert job.result_url.endswith(f"?job={job.pk}")
    with scopes_disabled():
        ranked = RankedList.objects.get()
        assert RankedListEntry.objects.filter(ranked_list=ranked).count() == 9
        assert ranked.assigned_at is not None and ranked.hub == tenant.hub
        referrals = Referral.objects.filter(source="ranked_list")
        assert referrals.count() == 3 and set(referrals.values_list("organisation", flat=True)) == {tenant.cbo.pk}
        assert ReferralEvent.objects.filter(kind="assigned").count() == 3
    again = run(start_ranked(tenant, manager, assign=True), ranked_import_body)
    assert (again.result["ranked_list_new"], again.result["assigned"],
            again.result["already_owned"]) == (False, 0, 3)
    with scopes_disabled():
        assert RankedList.objects.count() == 1 and Referral.objects.count() == 3


def test_a_row_off_the_roster_and_a_bad_rank_are_named_and_nothing_is_stored(tenant, setup):
    _, manager = setup
    text = "member_id,rank,selected\nR000001,1,true\nNOPE,2,true\nR000002,x,true\n"
    job = run(start_ranked(tenant, manager, assign=False, text=text), ranked_import_body)
    assert job.status == JobStatus.FAILED
    assert job.errors == [{"where": "ranked.csv row 4, column rank",
                           "message": "'x' is not a whole number of 1 or more"}]
    text = "member_id,rank,selected\nR000001,1,true\nNOPE,2,true\n"
    job = run(start_ranked(tenant, manager, assign=False, text=text), ranked_import_body)
    assert job.errors == [{"where": "ranked.csv row 3, column member_id",
                           "message": f"NOPE is not on {tenant.payer.name}'s roster"}]
    with scopes_disabled():
        assert not RankedList.objects.exists()


def test_assignment_job_names_members_refused_by_the_volume_rule(tenant, setup):
    contract, manager = setup
    with scopes_disabled():
        contract.max_volume, contract.volume_period = 2, "month"
        contract.save(update_fields=["max_volume", "volume_period"])
    stored = run(start_ranked(tenant, manager, assign=False,
                              text=ranked_text(IDS[:5])), ranked_import_body)
    with scopes_disabled():
        ranked = RankedList.objects.get(pk=stored.result["ranked_list"])
    coordinator = acting_as(tenant.users["hub_coordinator"])
    job = run(jobs_api.start_assignment(ranked, tenant.hub, acting=coordinator, chunk=1),
              assignment_body)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert (job.result["assigned"], job.result["refused_count"]) == (2, 3)
    assert [r["member"] for r in job.result["refused"]] == IDS[2:5]
    assert "T-MEALS takes at most 2 referrals this month" in job.result["refused"][0]["reasons"]
    assert job.checkpoint["assign"]["done"] == 5


def test_start_assignment_checks_the_door_at_once(tenant, other_tenant, setup):
    contract, manager = setup
    stored = run(start_ranked(tenant, manager, assign=False), ranked_import_body)
    with scopes_disabled():
        ranked = RankedList.objects.get(pk=stored.result["ranked_list"])
        contract.baa_signed_on = None
        contract.save(update_fields=["baa_signed_on"])
    with pytest.raises(ValueError, match="not assigned"):
        jobs_api.start_assignment(ranked, tenant.hub, acting=manager)
    with pytest.raises(ValueError, match="may not send referrals to this hub"):
        jobs_api.start_assignment(ranked, other_tenant.hub, acting=manager)


def test_assignment_pages_through_tied_ranks_in_order(tenant, setup):
    _, manager = setup
    text = "member_id,rank,selected\n" + "".join(
        f"{m},{r},true\n" for m, r in zip(IDS[:7], [1, 1, 1, 2, 2, 3, 3], strict=True))
    stored = run(start_ranked(tenant, manager, assign=False, text=text), ranked_import_body)
    with scopes_disabled():
        ranked = RankedList.objects.get(pk=stored.result["ranked_list"])
    job = run(jobs_api.start_assignment(ranked, tenant.hub, acting=manager, chunk=2),
              assignment_body)
    assert (job.result["assigned"], job.checkpoint["assign"]["done"]) == (7, 7)
    with scopes_disabled():
        made = list(Referral.objects.filter(source="ranked_list").order_by("pk")
                    .values_list("ranked_entry__rank", flat=True))
    assert made == [1, 1, 1, 2, 2, 3, 3]
