"""Submitting a month: claims as 837P files pyx12 accepts (at most 50 lines a claim), a
refused file never stored, invoices as PDF and CSV, the minimum data only, idempotent."""

from __future__ import annotations

import csv
import io
import os
from datetime import date, timedelta

import pytest
from django_scopes import scopes_disabled

from carehub.billing import invoices, tasks_claims, x12_out
from carehub.billing.models import Bill, BillLine, Submission
from carehub.billing.selectors import submissions as reads
from carehub.billing.services import lines, submissions
from carehub.core.billing.x12_check import check_837p
from carehub.members.models import EnrolmentSpan, Member, MemberAccess
from tests.integration.billing.claims_setup import (
    PERIOD,
    add_sites,
    add_terms,
    claims_contract,
    deliver,
    enrolled_referral,
)
from tests.integration.conftest import acting_as

pytestmark = pytest.mark.django_db
NOTE = "Member disclosed a private matter during the visit"


def hub(t):  # type: ignore[no-untyped-def]
    return acting_as(t.users["hub_admin"], t.hub)


def second_member(t):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        member = Member.objects.create(
            plan=t.payer, member_id="Alpha-M2", first_name="Bo", last_name="Second",
            birth_date=date(1961, 2, 3), sex="M", product="medicaid", address="2 Elm St",
            city="Buffalo", state="NY", zip="14202")
        EnrolmentSpan.objects.create(member=member, start=date(2025, 1, 1))
        for org, reason in ((t.payer, "plan"), (t.hub, "program")):
            MemberAccess.objects.create(member=member, organisation=org, reason=reason)
    return member


def ready_month(t, *, billing="claims", many=0):  # type: ignore[no-untyped-def]
    contract = claims_contract(t, billing=billing)
    add_sites(t)
    referral = enrolled_referral(t, contract)
    deliver(referral, date(2026, 11, 2), units=2, note=NOTE)
    for day in range(many):
        # One unit a day for `many` days, twice on most days of the month.
        on = date(2026, 11, 1) + timedelta(days=day % 30)
        deliver(referral, on, units=1, note=NOTE)
    other = enrolled_referral(t, contract, member=second_member(t), service_code="NAV",
                              service_type="tenancy-support")
    deliver(other, date(2026, 11, 9), note=NOTE)
    lines.build_lines(contract, PERIOD, hub(t))
    if many:
        # Lines the same day are duplicates to the edits: pass them all to test the split.
        with scopes_disabled():
            BillLine.objects.update(status="ready", failures=[])
    return contract


def test_claims_month_is_an_837p_pyx12_accepts_with_at_most_50_lines_a_claim(tenant):
    contract = ready_month(tenant, many=59)
    with scopes_disabled():
        ready = BillLine.objects.filter(status="ready").count()
    assert ready == 61
    result = submissions.submit_month(contract, PERIOD, hub(tenant))
    assert len(result.submissions) == 1 and result.lines == ready
    submission = result.submissions[0]
    assert submission.mode == "claims" and submission.check_result == "accepted"
    assert check_837p(submission.document).accepted
    with scopes_disabled():
        bills = list(Bill.objects.filter(submission=submission).order_by("number"))
        assert all(bill.line_count <= 50 for bill in bills)
        meal_bills = [b for b in bills if b.member_id == tenant.member.pk]
        assert len(meal_bills) == 2 and sum(b.line_count for b in meal_bills) == ready - 1
        assert not BillLine.objects.filter(status="ready").exists()
        assert str(submission.total) == str(sum(b.amount for b in bills))
    text = submission.document
    assert "NM1*85*2*" in text and "XX*1234567893" in text
    assert "HC:S5170:U1" in text and "HC:H0043:U6" in text and "HI*ABK:Z5941" in text
    assert text.count("CLM*") == 3
    assert NOTE not in text
    # A second click finds nothing ready and says so.
    again = submissions.submit_month(contract, PERIOD, hub(tenant))
    assert again.submissions == [] and "Nothing is ready" in again.message


@pytest.mark.parametrize("usage", ["T", "P"])
def test_the_837p_says_test_or_production_as_the_site_is_set(tenant, settings, usage):
    settings.CAREHUB_X12_USAGE = usage
    contract = ready_month(tenant)
    submission = submissions.submit_month(contract, PERIOD, hub(tenant)).submissions[0]
    isa = submission.document.split("~", 1)[0].split("*")
    assert isa[15] == usage and check_837p(submission.document).accepted


def test_an_atypical_cbo_bills_with_its_payer_assigned_id(tenant):
    contract = ready_month(tenant)
    with scopes_disabled():
        tenant.cbo.npi, tenant.cbo.medicaid_id = "", "MCD-778"
        tenant.cbo.save()
    lines.build_lines(contract, PERIOD, hub(tenant))
    result = submissions.submit_month(contract, PERIOD, hub(tenant))
    text = result.submissions[0].document
    assert "REF*G2*MCD-778" in text and "XX*" not in text
    assert check_837p(text).accepted


def test_a_refused_file_is_never_stored_and_names_the_segment(tenant):
    contract = ready_month(tenant)
    with scopes_disabled():
        # A member state pyx12 does not know: the N4 of the subscriber is refused.
        Member.objects.filter(pk=tenant.member.pk).update(state="QQ")
    with pytest.raises(submissions.SubmissionError, match="N4"):
        submissions.submit_month(contract, PERIOD, hub(tenant))
    with scopes_disabled():
        assert not Submission.objects.exists() and not Bill.objects.exists()
        assert BillLine.objects.filter(status="ready").count() == 2


def test_x12_out_refuses_a_broken_file_naming_the_segment(tenant):
    contract = ready_month(tenant)
    result = submissions.submit_month(contract, PERIOD, hub(tenant))
    broken = result.submissions[0].document.replace("CLM*", "CLX*", 1)
    with pytest.raises(x12_out.ClaimFileRefused) as refused:
        x12_out.checked(broken)
    assert "CLX" in str(refused.value) or "CLM" in str(refused.value)


def test_only_the_hub_admin_submits(tenant, other_tenant):
    contract = ready_month(tenant)
    for acting in (acting_as(tenant.users["hub_coordinator"], tenant.hub),
                   acting_as(tenant.users["cbo_supervisor"], tenant.cbo),
                   acting_as(other_tenant.users["hub_admin"], other_tenant.hub)):
        with pytest.raises(submissions.SubmissionError):
            submissions.submit_month(contract, PERIOD, acting)


def test_invoice_month_is_one_invoice_per_cbo_as_pdf_and_csv_with_exact_totals(tenant):
    contract = ready_month(tenant, billing="invoice")
    result = submissions.submit_month(contract, PERIOD, hub(tenant))
    submission = result.submissions[0]
    assert (submission.mode, submission.bills, submission.lines) == ("invoice", 1, 2)
    with scopes_disabled():
        bill = Bill.objects.get(submission=submission)
        assert bill.number.startswith("INV-") and bill.member is None
        doc = reads.invoice_doc(bill)
    # 2 meals at 7.35 and one navigation visit at 40.00.
    assert str(bill.amount) == "54.70" and str(doc.total) == "54.70"
    pdf = invoices.invoice_pdf(doc)
    assert pdf.startswith(b"%PDF")
    text = invoices.invoice_csv(doc)
    rows = list(csv.reader(io.StringIO(text)))
    assert ["total", "2", "3", "54.70"] in rows
    assert ["HDM S5170-U1", "1", "2", "14.70"] in rows
    assert NOTE not in text and tenant.member.last_name not in text
    assert tenant.member.member_id in text


def test_terms_switching_to_claims_mid_month_split_the_month(tenant):
    contract = claims_contract(tenant, billing="invoice")
    add_sites(tenant)
    add_terms(contract, tenant, version=2, effective=date(2026, 11, 15), billing="claims")
    referral = enrolled_referral(tenant, contract)
    deliver(referral, date(2026, 11, 2))
    deliver(referral, date(2026, 11, 20))
    lines.build_lines(contract, PERIOD, hub(tenant))
    result = submissions.submit_month(contract, PERIOD, hub(tenant))
    modes = sorted((s.mode, s.lines) for s in result.submissions)
    assert modes == [("claims", 1), ("invoice", 1)]


@pytest.mark.parametrize("moved", [True, False], ids=["this-cbo-moved", "another-cbo-moved"])
def test_an_amendment_moves_one_cbo_to_claims_while_the_others_invoice(tenant, moved):
    contract = claims_contract(tenant, billing="invoice")
    add_sites(tenant)
    slug = tenant.cbo.slug if moved else "some-other-pantry"
    add_terms(contract, tenant, version=2, effective=date(2026, 11, 1), billing="invoice",
              by_provider={slug: "claims"})
    referral = enrolled_referral(tenant, contract)
    deliver(referral, date(2026, 11, 2))
    lines.build_lines(contract, PERIOD, hub(tenant))
    result = submissions.submit_month(contract, PERIOD, hub(tenant))
    assert [(s.mode, s.lines) for s in result.submissions] == [
        ("claims" if moved else "invoice", 1)]


def test_lines_csv_carries_only_the_minimum(tenant):
    contract = ready_month(tenant)
    result = submissions.submit_month(contract, PERIOD, hub(tenant))
    with scopes_disabled():
        text = invoices.lines_csv(reads.doc_lines(
            Bill.objects.filter(submission=result.submissions[0])))
    header = text.splitlines()[0].split(",")
    assert tuple(header) == invoices.CSV_COLUMNS
    assert NOTE not in text and tenant.member.last_name not in text
    assert ",14.70," in text


def test_invoice_downloads_for_the_hub_the_payer_and_the_cbo(tenant, other_tenant):
    from tests.integration.conftest import signed_in

    contract = ready_month(tenant, billing="invoice")
    submissions.submit_month(contract, PERIOD, hub(tenant))
    with scopes_disabled():
        bill = Bill.objects.get()
    for role in ("hub_admin", "hub_coordinator", "payer_manager", "cbo_supervisor"):
        client = signed_in(tenant.users[role])
        pdf = client.get(f"/billing/invoice/{bill.pk}.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), role
        assert pdf["Content-Type"] == "application/pdf"
        text = client.get(f"/billing/invoice/{bill.pk}.csv").content.decode()
        assert ["total", "2", "3", "54.70"] in list(csv.reader(io.StringIO(text)))
    page = signed_in(tenant.users["cbo_worker"]).get(f"/billing/cbo/?period={PERIOD}")
    assert f"/billing/invoice/{bill.pk}.pdf" in page.content.decode()
    for role in ("hub_admin", "payer_manager", "cbo_supervisor"):
        assert signed_in(other_tenant.users[role]).get(
            f"/billing/invoice/{bill.pk}.pdf").status_code == 404


def third_member(t):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        member = Member.objects.create(
            plan=t.payer, member_id="Alpha-M3", first_name="Cy", last_name="Third",
            birth_date=date(1970, 5, 6), sex="F", product="medicaid", address="3 Oak St",
            city="Buffalo", state="NY", zip="14203")
        EnrolmentSpan.objects.create(member=member, start=date(2025, 1, 1))
        for org, reason in ((t.payer, "plan"), (t.hub, "program")):
            MemberAccess.objects.create(member=member, organisation=org, reason=reason)
    return member


def three_claims(t):  # type: ignore[no-untyped-def]
    """Three members with one ready line each: three claims of the one CBO."""
    contract = ready_month(t)
    third = enrolled_referral(t, contract, member=third_member(t))
    deliver(third, date(2026, 11, 12), note=NOTE)
    lines.build_lines(contract, PERIOD, hub(t))
    with scopes_disabled():
        assert BillLine.objects.filter(status="ready").count() == 3
    return contract


def test_a_month_is_cut_into_files_of_at_most_the_claims_per_file_all_checked_and_stored(
        tenant, settings):
    settings.CAREHUB_837_CLAIMS_PER_FILE = 2
    settings.CAREHUB_837_CHECK_PROCESSES = 2
    contract = three_claims(tenant)
    assert x12_out.check_processes(2) == min(2, os.cpu_count() or 1)
    result = submissions.submit_month(contract, PERIOD, hub(tenant))
    # One Submission a file: 2 claims, then 1; each its own interchange control number.
    files = sorted(result.submissions, key=lambda s: s.control_number)
    assert [(s.mode, s.bills, s.lines) for s in files] == [("claims", 2, 2), ("claims", 1, 1)]
    assert files[1].control_number == files[0].control_number + 1
    for submission in files:
        assert submission.check_result == "accepted" and check_837p(submission.document).accepted
        assert submission.document.count("CLM*") == submission.bills
        assert f"*{submission.control_number:09d}*" in submission.document
    assert result.bills == 3 and result.lines == 3
    with scopes_disabled():
        assert Bill.objects.count() == 3
        assert not BillLine.objects.filter(status="ready").exists()
        for bill in Bill.objects.all():
            assert bill.number.startswith(f"{bill.submission.control_number}-")
            assert BillLine.objects.filter(bill=bill, status="submitted").count() == bill.line_count


def test_one_refused_file_refuses_the_whole_month(tenant, settings):
    settings.CAREHUB_837_CLAIMS_PER_FILE = 1
    contract = three_claims(tenant)
    with scopes_disabled():
        # Only the second member's claim (its own file) carries a state pyx12 refuses.
        Member.objects.filter(member_id="Alpha-M2").update(state="QQ")
    with pytest.raises(submissions.SubmissionError) as refused:
        submissions.submit_month(contract, PERIOD, hub(tenant))
    message = str(refused.value)
    assert tenant.cbo.name in message and "file 2 of 3" in message and "N4" in message
    assert "file 1 of 3" not in message
    with scopes_disabled():
        assert not Submission.objects.exists() and not Bill.objects.exists()
        assert BillLine.objects.filter(status="ready", bill__isnull=True).count() == 3


def test_submitting_as_a_job_shows_the_refusal_and_stores_nothing(tenant, settings):
    settings.CAREHUB_837_CLAIMS_PER_FILE = 1
    contract = three_claims(tenant)
    with scopes_disabled():
        Member.objects.filter(member_id="Alpha-M3").update(state="QQ")
    job = tasks_claims.submit_inline(contract, PERIOD, hub(tenant))
    assert job.status == "failed" and "nothing was stored" in job.message
    assert any("file 3 of 3" in error["where"] and "N4" in error["where"]
               for error in job.errors)
    with scopes_disabled():
        assert not Submission.objects.exists()
        Member.objects.filter(member_id="Alpha-M3").update(state="NY")
    job = tasks_claims.submit_inline(contract, PERIOD, hub(tenant))
    assert job.status == "succeeded" and job.result["lines"] == 3
    with scopes_disabled():
        assert Submission.objects.count() == 3
