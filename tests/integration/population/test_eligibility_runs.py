"""Eligibility from the browser: datasets uploaded and checked, runs as jobs giving the
command line's list, made again identically, compared with the previous run, handed to
the hub; another plan sees none of it."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django_scopes import scopes_disabled

from carehub.population import outputs
from carehub.population.models import Dataset, EligibilityRun
from carehub.referrals.models import Referral
from tests.integration.conftest import Tenant, acting_as, signed_in
from tests.integration.population.conftest import (
    CRITERIA,
    dataset_from,
    finish,
    roster_members,
    start,
)
from tests.integration.referrals.conftest import contract_with_terms

pytestmark = pytest.mark.django_db
SRC = Path(__file__).resolve().parents[3] / "src"


def _post_dataset(t: Tenant, roster: tuple[str, bytes], claims: tuple[str, bytes]):  # type: ignore[no-untyped-def]
    client = signed_in(t.users["payer_manager"], t.payer)
    return client.post("/eligibility/datasets/upload/", {
        "name": "October extract",
        "roster": SimpleUploadedFile(roster[0], roster[1]),
        "claims": SimpleUploadedFile(claims[0], claims[1])})


def _nothing_kept(var: Path) -> None:
    with scopes_disabled():
        assert not Dataset.objects.exists()
    stored = var / "datasets"
    assert not stored.exists() or not any(p.is_file() for p in stored.rglob("*"))


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_plan_uploads_csv_or_parquet_extracts(tenant, extracts, var_dir, fmt) -> None:  # type: ignore[no-untyped-def]
    folder = extracts[fmt]
    roster = (folder / f"roster.{fmt}").read_bytes()
    claims = (folder / f"claims.{fmt}").read_bytes()
    response = _post_dataset(tenant, (f"roster.{fmt}", roster), (f"claims.{fmt}", claims))
    assert response.status_code == 302, response.content.decode()[:2000]
    with scopes_disabled():
        dataset = Dataset.objects.get()
    assert dataset.plan == tenant.payer
    assert dataset.roster_sha256 == hashlib.sha256(roster).hexdigest()
    assert dataset.claims_sha256 == hashlib.sha256(claims).hexdigest()
    assert dataset.roster_rows == pq.read_metadata(extracts["parquet"] / "roster.parquet").num_rows
    assert "member_id" in dataset.roster_columns and "diagnosis_codes" in dataset.claims_columns
    assert dataset.period_start is not None and dataset.period_end is not None
    stored = var_dir / dataset.roster_path
    assert stored.is_file() and str(stored).startswith(str(var_dir / "datasets" / str(tenant.payer.pk)))
    page = signed_in(tenant.users["payer_analyst"], tenant.payer).get(f"/eligibility/datasets/{dataset.pk}/")
    assert page.status_code == 200 and dataset.roster_sha256 in page.content.decode()


def test_a_missing_column_names_the_file_and_column_and_nothing_is_kept(tenant, extracts, var_dir) -> None:  # type: ignore[no-untyped-def]
    rows = list(csv.reader((extracts["csv"] / "roster.csv").read_text().splitlines()))
    drop = rows[0].index("birth_date")
    text = "\n".join(",".join(c for i, c in enumerate(r) if i != drop) for r in rows) + "\n"
    response = _post_dataset(tenant, ("plan_roster.csv", text.encode()),
                             ("claims.csv", (extracts["csv"] / "claims.csv").read_bytes()))
    assert response.status_code == 400
    body = response.content.decode()
    assert "plan_roster.csv" in body and "birth_date" in body and "was not kept" in body
    assert str(var_dir) not in body
    _nothing_kept(var_dir)


def test_a_bad_row_names_the_row_and_column(tenant, extracts, var_dir) -> None:  # type: ignore[no-untyped-def]
    lines = (extracts["csv"] / "claims.csv").read_text().splitlines()
    header = next(csv.reader([lines[0]]))
    cells = next(csv.reader([lines[3]]))
    cells[header.index("service_from")] = "2026-02-30"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    lines[3] = out.getvalue().rstrip("\n")
    response = _post_dataset(tenant, ("roster.csv", (extracts["csv"] / "roster.csv").read_bytes()),
                             ("october_claims.csv", ("\n".join(lines) + "\n").encode()))
    assert response.status_code == 400
    body = response.content.decode()
    assert "october_claims.csv" in body and "service_from" in body
    assert "row 3 (line 4)" in body and "2026-02-30" in body
    _nothing_kept(var_dir)


def test_a_file_over_the_limit_is_refused(tenant, extracts, var_dir) -> None:  # type: ignore[no-untyped-def]
    roster = (extracts["parquet"] / "roster.parquet").read_bytes()
    with override_settings(CAREHUB_DATASET_MAX_BYTES=len(roster) - 1):
        response = _post_dataset(tenant, ("roster.parquet", roster),
                                 ("claims.parquet", b"x"))
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    _nothing_kept(var_dir)


def test_a_text_file_that_is_not_an_extract_is_refused(tenant, var_dir) -> None:  # type: ignore[no-untyped-def]
    response = _post_dataset(tenant, ("roster.txt", b"hello"), ("claims.csv", b"a,b\n1,2\n"))
    assert response.status_code == 400
    assert "expected a .csv or .parquet file" in response.content.decode()
    _nothing_kept(var_dir)


def test_the_job_gives_the_command_lines_list(tenant, extracts, var_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    dataset = dataset_from(tenant, extracts["parquet"])
    run = finish(start(tenant, dataset))
    criteria = tmp_path / "criteria.yaml"
    criteria.write_text(CRITERIA)
    out = tmp_path / "ranked.csv"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-m", "carehub.cli", "eligibility",
         "--roster", str(extracts["parquet"] / "roster.parquet"),
         "--claims", str(extracts["parquet"] / "claims.parquet"),
         "--criteria", str(criteria), "--out", str(out)],
        capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    with out.open() as source:
        cli = [(r["member_id"], int(r["rank"]), r["selected"] == "true", r["reasons"])
               for r in csv.DictReader(source)]
    table = pq.read_table(var_dir / run.output_path).sort_by("rank").to_pylist()
    job = [(r["member_id"], r["rank"], r["selected"], r["reasons"]) for r in table]
    assert cli, "the criteria should find someone in the demo extracts"
    assert job == cli
    assert run.members_eligible == len(cli)
    assert run.members_selected == sum(1 for r in cli if r[2]) == 15
    assert f"members eligible: {len(cli)}" in done.stdout
    with scopes_disabled():
        job_row = EligibilityRun.objects.get(pk=run.pk).job
    assert job_row.status == "succeeded" and job_row.result_url == f"/eligibility/runs/{run.pk}/"


def test_run_again_gives_the_identical_list_and_refuses_changed_inputs(tenant, extracts, var_dir) -> None:  # type: ignore[no-untyped-def]
    from carehub.jobs.runner import run_job
    from carehub.population import services
    from carehub.population.tasks import eligibility_body

    dataset = dataset_from(tenant, extracts["parquet"])
    first = finish(start(tenant, dataset))
    client = signed_in(tenant.users["payer_manager"], tenant.payer)
    response = client.post(f"/eligibility/runs/{first.pk}/again/")
    assert response.status_code == 302
    with scopes_disabled():
        again = EligibilityRun.objects.exclude(pk=first.pk).get()
    again = finish(again)
    assert again.rerun_of_id == first.pk
    assert again.list_sha256 == first.list_sha256
    assert again.criteria_sha256 == first.criteria_sha256
    assert outputs.selected_ids(again) == outputs.selected_ids(first)
    page = client.get(f"/eligibility/runs/{again.pk}/").content.decode()
    assert f"The same list as run {first.pk}" in page

    # A file changed behind the dataset's back: the list cannot be made again.
    (var_dir / dataset.claims_path).write_bytes(b"changed")
    with scopes_disabled():
        third = services.run_again(first, acting=acting_as(tenant.users["payer_manager"],
                                                           tenant.payer))
    assert run_job(str(third.job_id), eligibility_body)["status"] == "failed"
    with scopes_disabled():
        third.refresh_from_db()
        assert not third.finished
        assert "has changed since the first run" in third.job.message


def test_compare_with_the_previous_months_run(tenant, extracts, var_dir) -> None:  # type: ignore[no-untyped-def]
    dataset = dataset_from(tenant, extracts["parquet"])
    september = finish(start(tenant, dataset, CRITERIA.replace("2026-10-31", "2026-09-30")))
    october = finish(start(tenant, dataset, CRITERIA.replace("cap: 15", "cap: 25")))
    compared = outputs.compare(october, september)
    before, now = set(outputs.selected_ids(september)), set(outputs.selected_ids(october))
    assert set(compared.new) == now - before and set(compared.dropped) == before - now
    assert set(compared.kept) == now & before
    assert len(compared.new) + len(compared.kept) == 25
    client = signed_in(tenant.users["payer_analyst"], tenant.payer)
    page = client.get(f"/eligibility/runs/{october.pk}/compare/").content.decode()
    assert f"with run {september.pk}" in page
    assert f'id="new-count">{len(compared.new)}<' in page
    assert f'id="dropped-count">{len(compared.dropped)}<' in page
    assert f'id="kept-count">{len(compared.kept)}<' in page


def test_results_page_shows_reasons_in_words_and_the_equity_chart(tenant, extracts, var_dir) -> None:  # type: ignore[no-untyped-def]
    roster_members(tenant)
    run = finish(start(tenant, dataset_from(tenant, extracts["parquet"]),
                       CRITERIA.replace("cap: 15\n", "")))
    client = signed_in(tenant.users["payer_manager"], tenant.payer)
    page = client.get(f"/eligibility/runs/{run.pk}/").content.decode()
    assert "<svg" in page and "equity-chart" in page and "<script" not in page.split("<main>")[1]
    assert " recorded 20" in page and "Age " in page  # "Heart failure, unspecified (I50.9) recorded ..."
    assert page.count('<tr><td>') <= outputs.PAGE
    if run.members_eligible > outputs.PAGE:
        second = client.get(f"/eligibility/runs/{run.pk}/?page=2").content.decode()
        assert f"<tr><td>{outputs.PAGE + 1}</td>" in second
    # Shown to others, a group under 11 members is suppressed.
    shared = client.get(f"/eligibility/runs/{run.pk}/?view=shared").content.decode()
    small = [e for d in run.equity.values() for e in d if 0 < e["eligible"] < 11]
    if small:
        assert "&lt;11" in shared


def test_another_plan_gets_404(tenant, other_tenant, extracts, var_dir) -> None:  # type: ignore[no-untyped-def]
    dataset = dataset_from(tenant, extracts["parquet"])
    run = finish(start(tenant, dataset))
    with scopes_disabled():
        criteria = run.criteria_set
    outsider = signed_in(other_tenant.users["payer_manager"], other_tenant.payer)
    for path in (f"/eligibility/datasets/{dataset.pk}/", f"/eligibility/runs/{run.pk}/",
                 f"/eligibility/runs/{run.pk}/compare/", f"/eligibility/runs/{run.pk}/progress/",
                 f"/eligibility/criteria/{criteria.pk}/", f"/eligibility/criteria/{criteria.pk}/edit/"):
        assert outsider.get(path).status_code == 404, path
    for path in (f"/eligibility/runs/{run.pk}/again/", f"/eligibility/runs/{run.pk}/hand/",
                 f"/eligibility/runs/{run.pk}/cancel/"):
        assert outsider.post(path).status_code == 404, path
    # The hub the plan hands members to does not see the plan's runs either.
    hub = signed_in(tenant.users["hub_coordinator"], tenant.hub)
    assert hub.get(f"/eligibility/runs/{run.pk}/").status_code == 404
    assert outsider.post("/eligibility/runs/start/", {"dataset": dataset.pk,
                                                      "criteria": criteria.pk}).status_code == 302
    with scopes_disabled():
        assert EligibilityRun.objects.filter(plan=other_tenant.payer).count() == 0


def test_hand_the_top_members_to_the_hub(tenant, extracts, var_dir) -> None:  # type: ignore[no-untyped-def]
    roster_members(tenant)
    contract = contract_with_terms(tenant)
    run = finish(start(tenant, dataset_from(tenant, extracts["parquet"])))
    client = signed_in(tenant.users["payer_manager"], tenant.payer)
    with scopes_disabled():
        service = contract.services.get(code="HDM") if hasattr(contract, "services") else None
        from carehub.contracts.models import ServiceDefinition

        service = ServiceDefinition.objects.get(contract=contract, code="HDM")
    page = client.get(f"/eligibility/runs/{run.pk}/").content.decode()
    assert "Hand the selected members to a hub" in page and "T-MEALS" in page
    pickers = client.get(f"/eligibility/runs/{run.pk}/hand/pickers/",
                         {"hub": tenant.hub.pk, "contract": contract.pk, "service": "", "top": ""},
                         HTTP_HX_REQUEST="true")
    assert pickers.status_code == 200, pickers.content.decode()[:500]
    assert "HDM · Home-delivered meal" in pickers.content.decode()
    response = client.post(f"/eligibility/runs/{run.pk}/hand/", {
        "hub": tenant.hub.pk, "contract": contract.pk, "service": service.pk, "top": 10})
    assert response.status_code == 302, response
    with scopes_disabled():
        referrals = list(Referral.objects.filter(plan=tenant.payer, source="ranked_list"))
        handoff = run.handoffs.get()
    top = outputs.selected_ids(run)[:10]
    refused = [r[0] for r in handoff.outcome.get("refused", [])]
    assert {r.member.member_id for r in referrals} | set(refused) == set(top)
    assert handoff.outcome["created"] == len(referrals) > 0
    assert all(r.hub_id == tenant.hub.pk and r.contract_code == "T-MEALS" for r in referrals)
    detail = client.get(response["Location"]).content.decode()
    assert f'id="created-count">{len(referrals)}<' in detail
    # The analyst reads results but does not hand members over.
    analyst = signed_in(tenant.users["payer_analyst"], tenant.payer)
    assert analyst.post(f"/eligibility/runs/{run.pk}/hand/", {}).status_code == 404


def test_criteria_builder_saves_versions_and_round_trips_yaml(tenant, var_dir) -> None:  # type: ignore[no-untyped-def]
    from carehub.population.models import CriteriaSet

    client = signed_in(tenant.users["payer_analyst"], tenant.payer)
    form = {"name": "meals", "population": "post-discharge-meals", "as_of": "2026-10-31",
            "products": ["medicare_advantage", "dsnp"], "enrolled": "on", "age_min": "65",
            "counties": "Erie, NY\nNiagara, NY", "zips": "14201, 14202",
            "condition_groups": ["heart_failure"], "condition_codes": "J44.1",
            "condition_lookback_days": "365", "social_groups": ["food"],
            "social_lookback_days": "180", "risk_min": "1.5", "discharge_within_days": "14",
            "discharge_min_nights": "1", "exclude_hospice": "on", "exclude_codes": "N18.6",
            "exclude_lookback_days": "365", "cap": "500", "rank_1_by": "risk_score",
            "rank_1_order": "desc", "rank_2_by": "ed_visits_12m", "rank_2_order": "desc"}
    preview = client.post("/eligibility/criteria/preview/", form).content.decode()
    assert "social_needs_any" in preview and "Z59.4" in preview and "min_nights: 1" in preview
    response = client.post("/eligibility/criteria/new/", {**form, "action": "save"})
    assert response.status_code == 302
    with scopes_disabled():
        saved = CriteriaSet.objects.get()
    assert saved.version == 1 and "Erie, NY" in saved.yaml
    from carehub.core.eligibility import parse_criteria
    from carehub.core.textinput import parse_yaml

    criteria = parse_criteria(parse_yaml(saved.yaml))
    assert criteria.require.conditions_any.prefixes == ("I50", "J44.1")
    assert criteria.require.discharge.within_days == 14 and criteria.cap == 500
    assert criteria.exclude.conditions_any.prefixes == ("N18.6",)

    # The YAML tab fills the form with the same values: saving it gives the same text.
    filled = client.post("/eligibility/criteria/new/", {"action": "from_yaml", "name": "meals",
                                                         "yaml": saved.yaml})
    assert filled.status_code == 200
    body = filled.content.decode()
    assert 'value="1.5"' in body and "Niagara, NY" in body
    again = client.post("/eligibility/criteria/new/", {**form, "action": "save"})
    with scopes_disabled():
        assert CriteriaSet.objects.count() == 1  # unchanged text: no new version
    client.post("/eligibility/criteria/new/", {**form, "cap": "400", "action": "save"})
    with scopes_disabled():
        assert list(CriteriaSet.objects.order_by("version").values_list("version", flat=True)) == [1, 2]
    assert again.status_code == 302

    # Errors name the field.
    bad = client.post("/eligibility/criteria/new/", {**form, "condition_codes": "123",
                                                      "action": "save"})
    assert bad.status_code == 400 and "is not an ICD-10-CM code prefix" in bad.content.decode()
    typed = client.post("/eligibility/criteria/new/", {
        "action": "save_yaml", "name": "typed", "yaml": "as_of: 2026-10-31\nrequire: {agee: 3}\n"})
    assert typed.status_code == 400 and "require.agee" in typed.content.decode()
