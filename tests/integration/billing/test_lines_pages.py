"""The CBO billing page and the hub console: what each role sees and may do, a failing line
fixed in place with htmx, the month built as a job and submitted, files downloaded, and 404
for anyone of another organisation."""

from __future__ import annotations

from datetime import date

import pytest
from django_scopes import scopes_disabled

from carehub.billing.models import Bill, BillLine, Submission
from carehub.billing.services import lines as service
from carehub.billing.tasks_claims import build_lines_body, submit_month_body
from carehub.jobs.models import Job
from carehub.jobs.runner import run_job
from tests.integration.billing.claims_setup import (
    PERIOD,
    add_sites,
    claims_contract,
    deliver,
    enrolled_referral,
)
from tests.integration.conftest import acting_as, signed_in

pytestmark = pytest.mark.django_db
NOTE = "Private: talked about a family matter"


@pytest.fixture
def month(tenant):  # type: ignore[no-untyped-def]
    contract = claims_contract(tenant)
    add_sites(tenant)
    referral = enrolled_referral(tenant, contract, service_type="")  # no default Z code
    failing = deliver(referral, date(2026, 11, 2), units=2, note=NOTE)
    service.build_lines(contract, PERIOD, acting_as(tenant.users["hub_admin"], tenant.hub))
    with scopes_disabled():
        line = BillLine.objects.get(delivery=failing)
    return contract, line


def test_cbo_page_lists_the_failing_line_with_its_fix(tenant, month):
    contract, line = month
    for role in ("cbo_worker", "cbo_supervisor"):
        page = signed_in(tenant.users[role]).get(f"/billing/cbo/?period={PERIOD}")
        assert page.status_code == 200
        text = page.content.decode()
        assert "Needs a fix (1)" in text and tenant.member.last_name in text
        assert "No social needs (Z) code" in text and "Z59.41 for food insecurity" in text
        assert f'hx-post="/billing/cbo/line/{line.pk}/correct/"' in text


def test_cbo_fixes_a_line_in_place(tenant, month):
    contract, line = month
    client = signed_in(tenant.users["cbo_worker"])
    bad = client.post(f"/billing/cbo/line/{line.pk}/correct/",
                      {"diagnosis_codes": "Z59", "place_of_service": "12", "modifiers": "U1",
                       "units": "2", "hcpcs": "S5170"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and "not a billable code" in bad.content.decode()
    good = client.post(f"/billing/cbo/line/{line.pk}/correct/",
                       {"diagnosis_codes": "Z59.41", "place_of_service": "12",
                        "modifiers": "U1", "units": "2", "hcpcs": "S5170"},
                       HTTP_HX_REQUEST="true")
    assert "ready to bill" in good.content.decode()
    with scopes_disabled():
        line.refresh_from_db()
    assert line.status == "ready"


def test_other_tenant_and_other_roles_get_404(tenant, other_tenant, month):
    contract, line = month
    with scopes_disabled():
        Submission.objects.all().delete()
    urls = ["/billing/cbo/", "/billing/hub/", f"/billing/hub/?contract={contract.pk}",
            "/billing/fee-schedules/"]
    for role in ("cbo_worker", "hub_admin", "payer_manager"):
        client = signed_in(other_tenant.users[role])
        response = client.post(f"/billing/cbo/line/{line.pk}/correct/",
                               {"diagnosis_codes": "Z59.41", "units": "2"})
        assert response.status_code == 404
    other_cbo = signed_in(other_tenant.users["cbo_worker"])
    assert other_cbo.get("/billing/cbo/").content.decode().count(tenant.member.last_name) == 0
    other_hub = signed_in(other_tenant.users["hub_admin"])
    assert other_hub.get(f"/billing/hub/?contract={contract.pk}&period={PERIOD}").status_code == 404
    assert other_hub.post("/billing/hub/submit/", {"contract": contract.pk,
                                                   "period": PERIOD}).status_code == 302
    with scopes_disabled():
        assert not Submission.objects.exists()
    # Pages a role has no use for answer 404 too.
    assert signed_in(tenant.users["payer_manager"]).get("/billing/cbo/").status_code == 404
    assert signed_in(tenant.users["cbo_worker"]).get("/billing/hub/").status_code == 404
    for url in urls[:1]:
        assert signed_in(other_tenant.users["hub_admin"]).get(url).status_code == 404


def test_hub_builds_as_a_job_submits_and_downloads(tenant, other_tenant, month):
    contract, line = month
    service.correct_line(line, {"diagnosis_codes": "Z59.41"},
                         acting_as(tenant.users["cbo_worker"], tenant.cbo))
    admin = signed_in(tenant.users["hub_admin"])
    page = admin.get(f"/billing/hub/?contract={contract.pk}&period={PERIOD}")
    text = page.content.decode()
    assert page.status_code == 200 and "100.0%" in text and "1 of 1 lines" in text
    response = admin.post("/billing/hub/build/", {"contract": contract.pk, "period": PERIOD})
    assert response.status_code == 302
    with scopes_disabled():
        job = Job.objects.get(kind="billing.build_lines")
    assert run_job(str(job.pk), build_lines_body)["status"] == "succeeded"
    # The coordinator reads but may not act.
    coordinator = signed_in(tenant.users["hub_coordinator"])
    assert "Submit the month" not in coordinator.get(
        f"/billing/hub/?contract={contract.pk}&period={PERIOD}").content.decode()
    assert coordinator.post("/billing/hub/submit/", {"contract": contract.pk,
                                                     "period": PERIOD}).status_code == 404
    # Submitting is a job too: the button leads to its page.
    started = admin.post("/billing/hub/submit/", {"contract": contract.pk, "period": PERIOD})
    with scopes_disabled():
        job = Job.objects.get(kind="billing.submit_month")
    assert started.status_code == 302 and started["Location"] == f"/jobs/{job.pk}/"
    assert run_job(str(job.pk), submit_month_body)["status"] == "succeeded"
    with scopes_disabled():
        job.refresh_from_db()
        submission = Submission.objects.get()
        bill = Bill.objects.get()
    x12 = admin.get(f"/billing/submission/{submission.pk}/837p/")
    assert x12.status_code == 200 and x12.content.startswith(b"ISA*")
    assert NOTE.encode() not in x12.content
    lines_csv = admin.get(f"/billing/submission/{submission.pk}/lines.csv")
    assert lines_csv.status_code == 200 and NOTE.encode() not in lines_csv.content
    assert b",14.70," in lines_csv.content
    assert "Submitted 1 lines on 1 bills" in job.message
    assert "Submitted 1 lines" in admin.get(f"/jobs/{job.pk}/").content.decode()
    admin.post("/billing/hub/submit/", {"contract": contract.pk, "period": PERIOD})
    with scopes_disabled():
        second = Job.objects.filter(kind="billing.submit_month").latest("created_at")
    run_job(str(second.pk), submit_month_body)
    with scopes_disabled():
        second.refresh_from_db()
    assert second.status == "succeeded" and "Nothing is ready to bill" in second.message
    # The payer downloads too; another tenant's people never.
    assert signed_in(tenant.users["payer_manager"]).get(
        f"/billing/submission/{submission.pk}/837p/").status_code == 200
    for role in ("hub_admin", "payer_manager", "cbo_worker"):
        other = signed_in(other_tenant.users[role])
        for url in (f"/billing/submission/{submission.pk}/837p/",
                    f"/billing/submission/{submission.pk}/lines.csv",
                    f"/billing/invoice/{bill.pk}.pdf", f"/billing/invoice/{bill.pk}.csv"):
            assert other.get(url).status_code == 404, (role, url)
    # The CBO sees the line under Submitted.
    cbo_page = signed_in(tenant.users["cbo_worker"]).get(f"/billing/cbo/?period={PERIOD}")
    assert "Submitted (1)" in cbo_page.content.decode()


def test_console_tallies_failures_by_code_and_splits_by_cbo(tenant, month):
    contract, line = month
    page = signed_in(tenant.users["hub_coordinator"]).get(
        f"/billing/hub/?contract={contract.pk}&period={PERIOD}")
    text = page.content.decode()
    assert page.status_code == 200
    assert "0.0%" in text and "0 of 1 lines passed every check" in text
    assert "E12" in text and "No social needs (Z) code" in text
    assert tenant.cbo.name in text and "Needs a fix" in text
    assert '<td class="num">14.70</td>' in text  # the amount needing a fix, in cents


def test_console_opens_on_the_contract_in_effect_and_the_month_waiting_to_be_billed(
        tenant, month):
    from tests.integration.conftest import accepted_contract

    contract, _line = month
    # A contract still in scoping, first by code, is not where billing starts.
    accepted_contract(tenant.payer, tenant.hub, "A-SCOPING", delivering=[tenant.cbo])
    page = signed_in(tenant.users["hub_admin"]).get("/billing/hub/")
    text = page.content.decode()
    assert page.status_code == 200
    assert f"{contract.code} · {PERIOD}" in text
