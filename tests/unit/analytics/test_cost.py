"""carehub cost on the hand-checked fixture."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from carehub.analytics.cost import month_starts, percentile
from carehub.commands import cost

PERIOD = ["--from", "2025-03-01", "--to", "2026-02-28"]
BASELINE = ["--baseline-from", "2024-03-01", "--baseline-to", "2025-02-28"]


def run(data: Path, out: Path, *extra: str) -> dict:  # type: ignore[type-arg]
    args = ["--roster", str(data / "roster.csv"), "--claims", str(data / "claims.csv"), *PERIOD]
    assert cost.main([*args, *extra, "--out", str(out)]) == 0
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def test_period_and_baseline_by_hand(data: Path, tmp_path: Path) -> None:
    report = run(data, tmp_path / "cost.json", *BASELINE)
    period, baseline = report["period"], report["baseline"]
    # 12 members enrolled on every first of the month: 144 member-months
    assert (period["members"], period["member_months"]) == (12, 144)
    # every claim starting in the period; C070 and C113 (2025-02-28) fall in the baseline
    assert period["allowed"] == "107100.50"
    # 12 member totals; 99th percentile at position 10.89 between 9695.00 and 14350.50:
    # 9695 + 0.89 * 4655.50 = 13838.395; only M001 (14350.50) is above it
    assert period["truncation_point"] == "13838.40"
    assert period["allowed_truncated"] == "106588.40"  # 107100.50 - 512.105
    assert period["allowed_pmpm"] == "740.20"  # 106588.395 / 144
    assert period["allowed_pmpm_untruncated"] == "743.75"
    # ED: C003, C004 (2 lines, 1 visit), C082, C083, C112; stays: the 12 inpatient claims
    assert (period["ed_visits"], period["ed_per_1000"]) == (5, "416.7")
    assert (period["inpatient_stays"], period["inpatient_per_1000"]) == (12, "1000.0")
    # baseline: 10 members at zero, 95.00 and 600.00; point 95 + 0.89 * 505 = 544.45
    assert baseline["allowed"] == "695.00"
    assert baseline["truncation_point"] == "544.45"
    assert baseline["allowed_truncated"] == "639.45"
    assert baseline["allowed_pmpm"] == "4.44"
    assert (baseline["ed_visits"], baseline["ed_per_1000"]) == (1, "83.3")


def test_members_list_from_a_ranked_csv_and_by_month(data: Path, tmp_path: Path) -> None:
    members = tmp_path / "ranked.csv"
    members.write_text("member_id,rank,selected\nM001,1,true\nM009,2,true\n")
    report = run(data, tmp_path / "cost.json", "--members", str(members), "--by", "month")
    period = report["period"]
    assert period["member_months"] == 24
    assert period["allowed"] == "22645.50"  # 14350.50 + 8295.00
    feb = period["months"][-1]
    # M001's stay (12000 + 500.50) and M009's (7000) and ED visit (600) start in February
    assert feb == {
        "month": "2026-02",
        "member_months": 2,
        "allowed": "20100.50",
        "allowed_pmpm_untruncated": "10050.25",
        "ed_visits": 1,
        "ed_per_1000": "6000.0",
        "inpatient_stays": 2,
        "inpatient_per_1000": "12000.0",
    }


def test_percentile_is_configurable(data: Path, tmp_path: Path) -> None:
    report = run(data, tmp_path / "cost.json", "--percentile", "50")
    # median of the 12 totals: both middle values are 9095.00
    assert report["period"]["truncation_point"] == "9095.00"


def test_helpers() -> None:
    assert percentile([0, 10], Fraction(50)) == 5
    assert percentile([], Fraction(99)) == 0
    assert [
        m.isoformat()
        for m in month_starts(
            *map(__import__("datetime").date.fromisoformat, ["2025-01-15", "2025-03-01"])
        )
    ] == [
        "2025-02-01",
        "2025-03-01",
    ]


def test_bad_input_exits_2(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cost.json"
    args = [
        "--roster",
        str(data / "roster.csv"),
        "--claims",
        str(data / "missing.csv"),
        *PERIOD,
        "--out",
        str(out),
    ]
    assert cost.main(args) == 2
    assert "missing.csv" in capsys.readouterr().err
    args = [
        "--roster",
        str(data / "roster.csv"),
        "--claims",
        str(data / "claims.csv"),
        "--from",
        "2025-03-02",
        "--to",
        "2025-03-20",
    ]
    assert cost.main(args) == 2
    assert "no first day" in capsys.readouterr().err
    assert not out.exists()
