"""ROI pages and the ROI job: the plan runs it over its extracts, the plan and hub see
each estimate with its interval and method in words, everyone else gets 404."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from carehub.analytics.roi import RoiOptions
from carehub.audit.models import AuditEvent
from carehub.jobs.runner import run_job
from carehub.reporting.models import RoiRun, RoiStatus
from carehub.reporting.services import roi as services
from carehub.reporting.tasks_roi import roi_body
from tests.integration.conftest import acting_as
from tests.integration.reporting.roi_world import world

pytestmark = pytest.mark.django_db


def finished_run(tenant, tmp_path: Path, **options) -> RoiRun:
    contract, data = world(tenant, tmp_path)
    acting = acting_as(tenant.users["payer_analyst"], tenant.payer)
    run = services.start_run(contract, dataset=data, options=RoiOptions(bootstrap=200, **options),
                             acting=acting)
    run_job(str(run.job_id), roi_body)
    return RoiRun.objects.get(pk=run.pk)


def test_the_job_estimates_from_the_dataset_and_the_program_members(tenant, tmp_path):
    run = finished_run(tenant, tmp_path, paid=Decimal("10000.00"))
    assert run.status == RoiStatus.DONE, run.error
    counts = run.results["counts"]
    assert counts["program_members"] == 40
    assert counts["enrolled_matched"] + counts["enrolled_dropped_unmatched"] == 40
    assert run.results["savings"]["paid"] == "10000.00"
    assert run.results["savings"]["paid_source"] == "given with the run"
    with scopes_disabled():
        # reading who is in the program is audited
        assert AuditEvent.objects.filter(object_type="roi_program_members",
                                         object_id="T-MEALS").exists()
        assert run.job.status == "succeeded"


def test_a_bad_file_fails_the_run_naming_file_row_and_column(tenant, tmp_path):
    contract, data = world(tenant, tmp_path)
    claims = tmp_path / "claims.csv"
    lines = claims.read_text().splitlines()
    parts = lines[3].split(",")
    parts[4] = "2025-02-30"
    lines[3] = ",".join(parts)
    claims.write_text("\n".join(lines) + "\n")
    acting = acting_as(tenant.users["payer_manager"], tenant.payer)
    run = services.start_run(contract, dataset=data, options=RoiOptions(bootstrap=100),
                             acting=acting)
    run_job(str(run.job_id), roi_body)
    run.refresh_from_db()
    assert run.status == RoiStatus.FAILED
    assert run.error == ("claims.csv: column service_from: row 3 (line 4): '2025-02-30' is "
                         "not a date YYYY-MM-DD")
    assert str(tmp_path) not in run.error


@pytest.mark.parametrize("role", ["payer_manager", "payer_analyst", "hub_admin", "hub_coordinator"])
def test_plan_and_hub_see_the_estimate_with_its_interval_in_words(tenant, tmp_path, login_as, role):
    run = finished_run(tenant, tmp_path)
    org = tenant.payer if role.startswith("payer") else tenant.hub
    page = login_as(tenant.users[role], org).get(reverse("reporting:roi_contract",
                                                         args=["T-MEALS"]))
    assert page.status_code == 200
    text = page.content.decode()
    did = run.results["did"]["allowed_pmpm"]

    def dollars(value: str) -> str:  # "-115.99" is shown "-$115.99"
        return ("-" if value.startswith("-") else "") + f"${abs(Decimal(value)):,}"

    assert (f"{dollars(did['estimate'])} ({dollars(did['low'])} to {dollars(did['high'])})"
            in text)
    assert f"95% interval {dollars(did['low'])} to {dollars(did['high'])})" in text
    counts = run.results["counts"]
    assert (f"{counts['enrolled_matched']} enrolled members compared with "
            f"{counts['comparison_matched']} eligible members not enrolled, matched on product, "
            "age band, county and baseline cost band") in text
    assert "95% interval" in text and "$2.36" in text
    with scopes_disabled():
        assert AuditEvent.objects.filter(object_type="roi_result", object_id=str(run.pk),
                                         action="view").exists()


def test_other_organisations_get_404_everywhere(tenant, other_tenant, tmp_path, login_as):
    run = finished_run(tenant, tmp_path)
    urls = [reverse("reporting:roi_contract", args=["T-MEALS"]),
            reverse("reporting:roi_run", args=[run.pk]),
            reverse("reporting:roi_export", args=[run.pk, "csv"]),
            reverse("reporting:roi_social_export", args=["T-MEALS", "xlsx"]),
            reverse("reporting:renewal_contract", args=["T-MEALS"])]
    outsiders = [(other_tenant.users["payer_manager"], other_tenant.payer),
                 (other_tenant.users["hub_admin"], other_tenant.hub),
                 # a CBO delivering under the contract is not the plan or the hub
                 (tenant.users["cbo_supervisor"], tenant.cbo)]
    for user, org in outsiders:
        client = login_as(user, org)
        for url in urls:
            assert client.get(url).status_code == 404, (user.username, url)
        assert client.post(reverse("reporting:roi_start", args=["T-MEALS"])).status_code == 404


def test_only_the_plan_starts_a_run(tenant, tmp_path, login_as):
    contract, data = world(tenant, tmp_path)
    form = {"dataset": data.pk, "baseline_months": 6, "follow_up_months": 6, "bootstrap": 100,
            "seed": 1}
    url = reverse("reporting:roi_start", args=[contract.code])
    hub = login_as(tenant.users["hub_admin"], tenant.hub)
    assert hub.post(url, form).status_code == 404
    assert not RoiRun.objects.exists()
    plan = login_as(tenant.users["payer_analyst"], tenant.payer)
    bad = plan.post(url, {**form, "bootstrap": 5})
    assert bad.status_code == 400 and not RoiRun.objects.exists()
    response = plan.post(url, form)
    run = RoiRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:roi_run", args=[run.pk])
    assert run.dataset == data and run.bootstrap == 100 and run.job is not None


def test_exports_carry_the_method_as_definitions(tenant, tmp_path, login_as):
    run = finished_run(tenant, tmp_path)
    client = login_as(tenant.users["hub_admin"], tenant.hub)
    csv_text = client.get(reverse("reporting:roi_export", args=[run.pk, "csv"])).content.decode()
    assert csv_text.splitlines()[0].startswith("measure,enrolled_baseline")
    assert "allowed_pmpm" in csv_text and run.results["did"]["allowed_pmpm"]["low"] in csv_text
    body = client.get(reverse("reporting:roi_export", args=[run.pk, "xlsx"])).content
    book = load_workbook(io.BytesIO(body))
    terms = [row[0] for row in book["Definitions"].iter_rows(values_only=True)]
    assert "Comparison group" in terms and "95% interval" in terms
    assert client.get(reverse("reporting:roi_export", args=[run.pk, "pdf"])).status_code == 404


def test_a_result_with_a_group_under_11_is_shown_to_the_plan_only(tenant, tmp_path, login_as):
    contract, data = world(tenant, tmp_path, enrolled=8, comparison=200)
    run = services.start_run(contract, dataset=data, options=RoiOptions(bootstrap=100),
                             acting=acting_as(tenant.users["payer_analyst"], tenant.payer))
    run_job(str(run.job_id), roi_body)
    run.refresh_from_db()
    assert run.status == RoiStatus.DONE and run.results["counts"]["enrolled_matched"] < 11
    pages = [reverse("reporting:roi_contract", args=["T-MEALS"]),
             reverse("reporting:roi_run", args=[run.pk]),
             reverse("reporting:renewal_contract", args=["T-MEALS"])]
    hub = login_as(tenant.users["hub_admin"], tenant.hub)
    for url in pages:
        text = hub.get(url).content.decode()
        assert "fewer than 11 members" in text and "95% interval" not in text, url
    assert hub.get(reverse("reporting:roi_export", args=[run.pk, "csv"])).status_code == 404
    plan = login_as(tenant.users["payer_manager"], tenant.payer)
    assert "95% interval" in plan.get(pages[1]).content.decode()
    assert plan.get(reverse("reporting:roi_export", args=[run.pk, "csv"])).status_code == 200
