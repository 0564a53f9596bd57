"""Matching, windows, bands and rates of the ROI job, checked by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from carehub.analytics import engines, roi
from carehub.analytics.extracts import Extract, ExtractError, Workspace
from carehub.analytics.roi import MemberFigures, RoiError, RoiOptions

INDEX = dt.date(2025, 7, 1)


def member(member_id: str, enrolled: bool, *, county: str = "Erie", cost_band: str = "low",
           ed: tuple[int, int] = (0, 0), cents: tuple[int, int] = (0, 0)) -> MemberFigures:
    m = MemberFigures(member_id, enrolled, INDEX, "dsnp", county, "65-74", cost_band)
    m.values = {"mm_b": 6, "mm_f": 6, "ed_b": ed[0], "ed_f": ed[1], "ip_b": 0, "ip_f": 0,
                "cents_b": cents[0], "cents_f": cents[1]}
    return m


def test_strata_without_both_groups_are_dropped_and_counted() -> None:
    members = [
        member("T1", True), member("C1", False), member("C2", False),
        member("T2", True, county="Niagara"),  # no comparison in Niagara
        member("C3", False, cost_band="high"), member("C4", False, cost_band="high"),
    ]
    result = roi.estimate(members, RoiOptions(bootstrap=100))
    counts = result["counts"]
    assert counts["strata"] == 3 and counts["strata_kept"] == 1 and counts["strata_dropped"] == 2
    assert counts["enrolled_dropped_unmatched"] == 1
    assert counts["comparison_dropped_unmatched"] == 2
    assert counts["enrolled_matched"] == 1 and counts["comparison_matched"] == 2


def test_comparison_weights_make_each_stratum_count_as_its_enrolled() -> None:
    # stratum a: 1 enrolled, 2 comparison (weight 1/2 each); stratum b: 2 and 1 (weight 2)
    members = [
        member("T1", True), member("C1", False, ed=(3, 3)), member("C2", False, ed=(1, 1)),
        member("T2", True, county="b"), member("T3", True, county="b"),
        member("C3", False, county="b", ed=(0, 6), cents=(0, 120000)),
    ]
    result = roi.estimate(members, RoiOptions(bootstrap=100))
    comparison = result["groups"]["comparison"]
    # weighted member-months: 6*1/2*2 + 6*2 = 18, the enrolled's 3 members x 6
    assert comparison["baseline"]["weighted_member_months"] == "18.0"
    assert comparison["baseline"]["member_months"] == 18
    # baseline ED: (3 + 1)/2 = 2 visits over 18 member-months -> 2 x 12000 / 18
    assert comparison["baseline"]["ed_per_1000"] == "1333.3"
    # follow-up: 2 + 6 x 2 = 14 visits -> 9333.3; PMPM: 1200 x 2 / 18 = 133.33
    assert comparison["follow_up"]["ed_per_1000"] == "9333.3"
    assert comparison["follow_up"]["allowed_pmpm"] == "133.33"
    assert result["did"]["ed_per_1000"]["estimate"] == "-8000.0"
    assert result["did"]["allowed_pmpm"]["estimate"] == "-133.33"


def test_nothing_to_compare_is_an_error() -> None:
    with pytest.raises(RoiError, match="no stratum holds both"):
        roi.estimate([member("T1", True), member("C1", False, county="x")], RoiOptions())


def test_windows_leave_out_the_index_month() -> None:
    assert roi.windows(dt.date(2025, 7, 1), RoiOptions()) == (
        dt.date(2025, 1, 1), dt.date(2025, 6, 30), dt.date(2025, 8, 1), dt.date(2026, 1, 31))
    assert roi.windows(dt.date(2025, 1, 1), RoiOptions(baseline_months=3, follow_up_months=2)) == (
        dt.date(2024, 10, 1), dt.date(2024, 12, 31), dt.date(2025, 2, 1), dt.date(2025, 3, 31))


def test_bands() -> None:
    assert roi.age_band(dt.date(1960, 7, 2), dt.date(2025, 7, 1)) == "50-64"
    assert roi.age_band(dt.date(1960, 7, 1), dt.date(2025, 7, 1)) == "65-74"
    assert roi.age_band(dt.date(2010, 1, 1), dt.date(2025, 7, 1)) == "0-17"
    assert roi.cost_band(0, 6) == "under $1"
    assert roi.cost_band(150000, 6) == "$250-1000"  # $250.00 PMPM starts the band
    assert roi.cost_band(2000000, 6) == "$3000+"


ROSTER = """member_id,birth_date,county,product,enroll_start,enroll_end
A,1955-01-01,Erie,dsnp,2024-01-01,
B,1955-02-01,Erie,dsnp,2024-01-01,2025-09-30
C,1955-03-01,Erie,dsnp,2024-01-01,
"""
CLAIMS = """claim_id,line,member_id,setting,service_from,service_to,allowed_amount
1,1,A,ed,2025-03-03,2025-03-03,500.00
2,1,A,inpatient,2025-06-29,2025-07-02,900.00
3,1,A,professional,2025-09-01,2025-09-01,120.00
4,1,B,ed,2025-08-05,2025-08-05,700.00
4,2,B,ed,2025-08-05,2025-08-05,50.00
7,1,B,professional,2025-04-01,2025-04-01,60.00
5,1,C,professional,2025-02-01,2025-02-01,100.00
6,1,C,professional,2026-01-31,2026-01-31,10.00
"""


def write(folder: Path, roster: str = ROSTER, claims: str = CLAIMS) -> None:
    (folder / "roster.csv").write_text(roster)
    (folder / "claims.csv").write_text(claims)


def run(folder: Path, program: dict[str, dt.date]) -> dict:
    with Workspace(engines.connect("duckdb")) as ws:
        return roi.run_roi(ws, Extract("roster", folder / "roster.csv", {}),
                           Extract("claims", folder / "claims.csv", {}), program,
                           RoiOptions(bootstrap=100))


def test_rates_by_hand(tmp_path: Path) -> None:
    write(tmp_path)
    result = run(tmp_path, {"A": dt.date(2025, 7, 20)})
    enrolled, comparison = result["groups"]["enrolled"], result["groups"]["comparison"]
    # A: baseline Jan-Jun (6 months), ED on 03-03, a stay started 06-29 (its cost is in
    # the baseline) discharged 07-02 (the index month: not a stay of either window);
    # follow-up Aug-Jan (6 months) $120. All three share a stratum (cost band $1-250).
    assert enrolled["baseline"] == {"member_months": 6, "weighted_member_months": "6.0",
                                    "ed_per_1000": "2000.0", "inpatient_per_1000": "0.0",
                                    "allowed_pmpm": "233.33"}
    assert enrolled["follow_up"]["allowed_pmpm"] == "20.00"
    # B (enrolment ends 09-30: 2 follow-up months) and C, weight 1/2 each; claim 4 is one
    # visit of two lines
    assert comparison["members"] == 2
    assert comparison["baseline"]["allowed_pmpm"] == "13.33"  # (60 + 100) / 2 / 6
    assert comparison["follow_up"]["member_months"] == 8
    assert comparison["follow_up"]["ed_per_1000"] == "1500.0"  # 0.5 x 12000 / 4
    assert comparison["follow_up"]["allowed_pmpm"] == "95.00"  # (750 + 10) / 2 / 4
    assert result["claims_through"] == "2026-01-31"


def test_months_after_the_last_claim_do_not_count(tmp_path: Path) -> None:
    write(tmp_path, claims=CLAIMS.replace("2026-01-31", "2025-12-15"))
    result = run(tmp_path, {"A": dt.date(2025, 7, 20)})
    assert result["groups"]["enrolled"]["follow_up"]["member_months"] == 4  # Aug-Nov


def test_bad_claims_file_names_file_row_and_column(tmp_path: Path) -> None:
    write(tmp_path, claims=CLAIMS.replace("2025-08-05,2025-08-05,700", "2025-08-05,2025-13-05,700"))
    with pytest.raises(ExtractError) as caught:
        run(tmp_path, {"A": dt.date(2025, 7, 20)})
    message = str(caught.value)
    assert "claims.csv" in message and "column service_to" in message
    assert "row 4 (line 5)" in message


def test_missing_roster_column_is_named(tmp_path: Path) -> None:
    write(tmp_path, roster=ROSTER.replace("county", "cnty"))
    with pytest.raises(ExtractError, match="roster.csv: missing column county"):
        run(tmp_path, {"A": dt.date(2025, 7, 20)})


def test_bad_options_and_program(tmp_path: Path) -> None:
    write(tmp_path)
    with pytest.raises(RoiError, match="no program members"):
        run(tmp_path, {})
    with pytest.raises(RoiError, match="bootstrap: 5 is not between"):
        RoiOptions(bootstrap=5).check()
    with pytest.raises(RoiError, match="baseline months: 0"):
        RoiOptions(baseline_months=0).check()
    with pytest.raises(RoiError, match="no enrolled member has enrolment months"):
        run(tmp_path, {"A": dt.date(2026, 1, 5)})
