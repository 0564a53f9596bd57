"""The payer's review: decisions on one bill, the hub's answer, bulk approval of a
filtered set, and another organisation kept out of all of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.billing.models import Bill, BillDecision, BillLine, BillStatus
from carehub.billing.services import review
from carehub.notifications.models import Notification
from tests.integration.billing.review_factory import billing_setup, make_bill
from tests.integration.conftest import acting_as, signed_in

pytestmark = pytest.mark.django_db


def _bill(pk: int) -> Bill:
    with scopes_disabled():
        return Bill.objects.get(pk=pk)


def _line_statuses(pk: int) -> set[str]:
    with scopes_disabled():
        return set(BillLine.objects.filter(bill_id=pk).values_list("status", flat=True))


def test_approve_deny_and_pend_one_bill_then_the_hub_answers(tenant):
    contract, referral = billing_setup(tenant)
    a = make_bill(tenant, contract, referral, ["7.50", "7.50"])
    d = make_bill(tenant, contract, referral, ["15.00"])
    p = make_bill(tenant, contract, referral, ["22.50"])
    manager = signed_in(tenant.users["payer_manager"])

    assert manager.post(reverse("billing:review_bill", args=[a.pk]),
                        {"action": "approve"}).status_code == 302
    assert _bill(a.pk).status == BillStatus.APPROVED
    assert _bill(a.pk).decided_by == tenant.users["payer_manager"]
    assert _line_statuses(a.pk) == {"approved"}

    # O1 needs a note; refused without one, nothing changes.
    response = manager.post(reverse("billing:review_bill", args=[d.pk]),
                            {"action": "deny", "reason_code": "O1"})
    assert response.status_code == 400
    assert "a note is required with reason O1" in response.content.decode()
    assert _bill(d.pk).status == BillStatus.SUBMITTED
    manager.post(reverse("billing:review_bill", args=[d.pk]), {"action": "deny", "reason_code": "D1"})
    assert (_bill(d.pk).status, _bill(d.pk).reason_code) == (BillStatus.DENIED, "D1")
    assert _line_statuses(d.pk) == {"denied"}

    manager.post(reverse("billing:review_bill", args=[p.pk]),
                 {"action": "pend", "note": "Which discharge does this follow?"})
    assert _bill(p.pk).status == BillStatus.PENDED
    with scopes_disabled():
        told = Notification.objects.filter(kind="bill_question")
        assert [n.recipient_id for n in told] == [tenant.users["hub_admin"].pk]
        assert told[0].link == reverse("billing:questions")

    hub = signed_in(tenant.users["hub_admin"])
    page = hub.get(reverse("billing:questions"))
    assert "Which discharge does this follow?" in page.content.decode()
    assert hub.post(reverse("billing:question_answer", args=[p.pk]),
                    {"answer": "The 2 October discharge."}).status_code == 302
    answered = _bill(p.pk)
    assert (answered.status, answered.answer) == (BillStatus.SUBMITTED, "The 2 October discharge.")
    assert _line_statuses(p.pk) == {"submitted"}

    with scopes_disabled():
        trail = list(BillDecision.objects.filter(bill_id=p.pk).values_list("action", "organisation_id"))
        assert trail == [("pend", tenant.payer.pk), ("answer", tenant.hub.pk)]
        decisions = AuditEvent.objects.filter(object_type="bill", action="update")
        assert sorted(e.detail["decision"] for e in decisions) == ["answer", "approve", "deny", "pend"]

    # The denial is tallied on the queue page; the decided bills have left the queue.
    queue = manager.get(reverse("billing:review")).content.decode()
    assert "D1 Duplicate of a bill already received" in queue
    assert a.number not in queue and p.number in queue


def test_queue_filters_sorts_oldest_first_and_analysts_only_read(tenant):
    contract, referral = billing_setup(tenant)
    now = timezone.now()
    old = make_bill(tenant, contract, referral, ["100.00"], submitted=now - timedelta(days=40))
    new = make_bill(tenant, contract, referral, ["7.50"], submitted=now - timedelta(days=1))
    noted = make_bill(tenant, contract, referral, ["30.00"], submitted=now - timedelta(days=10),
                      failures=[{"code": "W1", "field": "units", "message": "near the cap",
                                 "fix": ""}])
    analyst = signed_in(tenant.users["payer_analyst"])
    page = analyst.get(reverse("billing:review")).content.decode()
    assert page.index(old.number) < page.index(noted.number) < page.index(new.number)

    def shown(**params: str) -> set[str]:
        body = analyst.get(reverse("billing:review"), params).content.decode()
        return {b.number for b in (old, new, noted) if b.number in body}

    largest = analyst.get(reverse("billing:review"), {"sort": "-amount"}).content.decode()
    assert largest.index(old.number) < largest.index(noted.number) < largest.index(new.number)
    assert shown(amount_min="20") == {old.number, noted.number}
    assert shown(amount_max="20") == {new.number}
    assert shown(age_min="30") == {old.number}
    assert shown(edits="notes") == {noted.number}
    assert shown(edits="clean") == {old.number, new.number}
    assert shown(service="HDM") == {old.number, new.number, noted.number}
    assert shown(service="HD") == set()
    assert shown(status="approved") == set()
    assert analyst.get(reverse("billing:review"), {"status": "nonsense"}).status_code == 200
    assert shown(status="nonsense") == set()

    # An analyst reads the bill but cannot decide, nor approve in bulk.
    assert analyst.get(reverse("billing:review_bill", args=[old.pk])).status_code == 200
    assert analyst.post(reverse("billing:review_bill", args=[old.pk]),
                        {"action": "approve"}).status_code == 404
    assert analyst.get(reverse("billing:review_bulk")).status_code == 404
    assert _bill(old.pk).status == BillStatus.SUBMITTED
    assert analyst.get(reverse("billing:review_turnaround")).status_code == 200


def test_bulk_approval_of_a_filtered_set_skips_a_bill_decided_meanwhile(tenant):
    contract, referral = billing_setup(tenant)
    big = [make_bill(tenant, contract, referral, ["40.00", "10.25"]) for _ in range(3)]
    small = make_bill(tenant, contract, referral, ["7.50"])
    manager = signed_in(tenant.users["payer_manager"])

    confirm = manager.get(reverse("billing:review_bulk"), {"amount_min": "50"})
    body = confirm.content.decode()
    assert "Approve 3 bills (150.75)" in body
    token = confirm.context["form"].initial["token"]

    # Another manager denies one of them before the confirmation is posted.
    with scopes_disabled():
        review.decide(big[1], "deny", reason_code="E1",
                      acting=acting_as(tenant.users["payer_manager"], tenant.payer))
    done = manager.post(reverse("billing:review_bulk"), {"token": token}, follow=True)
    assert "Approved 2 bills, 100.50 in all. 1 skipped" in done.content.decode()
    assert [_bill(b.pk).status for b in big] == ["approved", "denied", "approved"]
    assert _bill(small.pk).status == BillStatus.SUBMITTED  # outside the filter
    with scopes_disabled():
        assert BillDecision.objects.filter(bill_id__in=[b.pk for b in big],
                                           action="approve").count() == 2
        bulk = AuditEvent.objects.get(object_type="bill", object_id="bulk")
        assert sorted(bulk.detail["bills"]) == sorted([big[0].pk, big[2].pk])
    assert _line_statuses(big[0].pk) == {"approved"}

    # The same confirmation again approves nothing more.
    again = manager.post(reverse("billing:review_bulk"), {"token": token}, follow=True)
    assert "Approved 0 bills" in again.content.decode()
    # A forged token is refused.
    assert manager.post(reverse("billing:review_bulk"), {"token": "x"}).status_code == 302
    assert _bill(small.pk).status == BillStatus.SUBMITTED


def test_bulk_approval_of_a_large_set_runs_as_a_job(tenant, monkeypatch):
    from carehub.billing import tasks_review
    from carehub.billing.views import payer
    from carehub.jobs.models import Job
    from carehub.jobs.runner import run_job

    monkeypatch.setattr(payer, "INLINE_LIMIT", 1)
    monkeypatch.setattr(review, "CHUNK", 1)
    contract, referral = billing_setup(tenant)
    bills = [make_bill(tenant, contract, referral, ["12.00"]) for _ in range(3)]
    manager = signed_in(tenant.users["payer_manager"])
    token = manager.get(reverse("billing:review_bulk")).context["form"].initial["token"]
    response = manager.post(reverse("billing:review_bulk"), {"token": token})
    assert response.status_code == 302
    with scopes_disabled():
        job = Job.objects.get(kind="billing.bulk_approve")
    run_job(str(job.pk), tasks_review.bulk_approve_body)
    with scopes_disabled():
        job.refresh_from_db()
    assert job.status == "succeeded", job.errors
    assert job.result == {"approved": 3, "skipped": 0, "amount": "36.00"}
    assert {_bill(b.pk).status for b in bills} == {"approved"}


def test_another_organisation_gets_404_and_cannot_decide(tenant, other_tenant):
    contract, referral = billing_setup(tenant)
    bill = make_bill(tenant, contract, referral, ["7.50"])
    pended = make_bill(tenant, contract, referral, ["9.00"], status=BillStatus.PENDED)
    outsider = signed_in(other_tenant.users["payer_manager"])
    assert bill.number not in outsider.get(reverse("billing:review")).content.decode()
    assert outsider.get(reverse("billing:review_bill", args=[bill.pk])).status_code == 404
    assert outsider.post(reverse("billing:review_bill", args=[bill.pk]),
                         {"action": "approve"}).status_code == 404
    token = outsider.get(reverse("billing:review_bulk")).context["form"].initial["token"]
    outsider.post(reverse("billing:review_bulk"), {"token": token})
    assert _bill(bill.pk).status == BillStatus.SUBMITTED
    # The other plan's own confirmation cannot be replayed by this plan's manager either.
    mine = signed_in(tenant.users["payer_manager"])
    assert mine.post(reverse("billing:review_bulk"), {"token": token}).status_code == 404

    other_hub = signed_in(other_tenant.users["hub_admin"])
    assert pended.number not in other_hub.get(reverse("billing:questions")).content.decode()
    assert other_hub.post(reverse("billing:question_answer", args=[pended.pk]),
                          {"answer": "x"}).status_code == 404
    assert _bill(pended.pk).status == BillStatus.PENDED
    # Roles outside the plan never see the queue; a plan never sees the hub's questions.
    assert signed_in(tenant.users["cbo_supervisor"]).get(reverse("billing:review")).status_code == 404
    assert signed_in(tenant.users["hub_admin"]).get(reverse("billing:review")).status_code == 404
    assert mine.get(reverse("billing:questions")).status_code == 404
    with pytest.raises(PermissionError), scopes_disabled():
        review.decide(bill, "approve", acting=acting_as(other_tenant.users["payer_manager"]))


def test_turnaround_median_and_90th_percentile_per_stage(tenant):
    from carehub.billing.selectors.review import turnaround

    contract, referral = billing_setup(tenant)
    now = timezone.now()
    # Service to submission 5, 10 and 30 days; decisions 2 and 4 days later; one paid 7
    # days after its decision.
    for served, decided_after, paid_after in ((5, 2, 7), (10, 4, None), (30, None, None)):
        bill = make_bill(tenant, contract, referral, ["7.50"], submitted=now,
                         first=timezone.localdate(now) - timedelta(days=served))
        with scopes_disabled():
            Bill.objects.filter(pk=bill.pk).update(
                decided_at=now + timedelta(days=decided_after) if decided_after else None,
                paid_at=(now + timedelta(days=decided_after + paid_after)
                         if paid_after and decided_after else None))
    with scopes_disabled():
        stages = turnaround(acting_as(tenant.users["payer_analyst"], tenant.payer))
    assert [(s.label, s.bills, s.median, s.p90) for s in stages] == [
        ("Service to submission", 3, 10, 30.0),
        ("Submission to decision", 2, 3.0, 4.0),
        ("Decision to payment", 1, 7, 7.0)]
    page = signed_in(tenant.users["payer_analyst"]).get(reverse("billing:review_turnaround"))
    assert "Submission to decision" in page.content.decode()
