"""`carehub roi`: program members from the database, extracts from files, roi.json and
roi.csv written; clear one-line errors."""

from __future__ import annotations

import csv
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from carehub.reporting.models import RoiRun, RoiStatus
from tests.integration.reporting.roi_world import world

pytestmark = pytest.mark.django_db


def test_writes_json_and_csv_and_records_the_run(tenant, tmp_path, capsys, login_as):
    world(tenant, tmp_path)
    out = tmp_path / "out"
    call_command("roi", "--contract", "T-MEALS", "--roster", str(tmp_path / "roster.csv"),
                 "--claims", str(tmp_path / "claims.csv"), "--out", str(out),
                 "--bootstrap", "200", "--seed", "9", "--paid", "5000")
    result = json.loads((out / "roi.json").read_text())
    assert result["options"] == {"baseline_months": 6, "follow_up_months": 6, "bootstrap": 200,
                                 "seed": 9}
    assert result["savings"]["paid"] == "5000.00"
    rows = list(csv.DictReader((out / "roi.csv").open()))
    pmpm = next(r for r in rows if r["measure"] == "allowed_pmpm")
    assert pmpm["difference_in_differences"] == result["did"]["allowed_pmpm"]["estimate"]
    assert pmpm["ci95_low"] == result["did"]["allowed_pmpm"]["low"]
    assert "95% interval" in capsys.readouterr().out
    run = RoiRun.objects.get()
    assert run.status == RoiStatus.DONE and run.results == result
    # the run shows on the page like one started there
    page = login_as(tenant.users["hub_admin"], tenant.hub).get(
        reverse("reporting:roi_contract", args=["T-MEALS"]))
    assert result["did"]["allowed_pmpm"]["high"] in page.content.decode()


def fails(capsys, *args: str) -> str:
    with pytest.raises(SystemExit) as caught:
        call_command("roi", *args)
    assert caught.value.code == 2
    return capsys.readouterr().err.strip()


def test_errors(tenant, tmp_path, capsys):
    world(tenant, tmp_path)
    roster, claims = str(tmp_path / "roster.csv"), str(tmp_path / "claims.csv")
    common = ["--roster", roster, "--claims", claims, "--out", str(tmp_path / "out")]
    assert fails(capsys, "--contract", "NOPE", *common) == "carehub roi: no contract with code 'NOPE'"
    assert fails(capsys, "--contract", "T-MEALS", *common, "--bootstrap", "3") == (
        "carehub roi: bootstrap: 3 is not between 100 and 100000")
    text = (tmp_path / "roster.csv").read_text().replace("2024-01-01", "2024-1-01", 1)
    (tmp_path / "roster.csv").write_text(text)
    assert fails(capsys, "--contract", "T-MEALS", *common, "--bootstrap", "100") == (
        "carehub roi: roster.csv: column enroll_start: row 1 (line 2): '2024-1-01' is not a "
        "date YYYY-MM-DD")
    assert not (tmp_path / "out").exists()
    assert fails(capsys, "--contract", "T-MEALS", "--roster", roster, "--claims", claims,
                 "--out", str(tmp_path / "no" / "out")).startswith("carehub roi: --out ")
