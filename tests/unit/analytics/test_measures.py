"""carehub measure sns-e on the hand-checked fixture (measurement year 2025)."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from importlib import resources
from pathlib import Path

import pytest

from carehub.analytics.measures import continuously_enrolled, load_value_sets
from carehub.commands import measure
from carehub.core.screening import INSTRUMENTS, positive_answer_codes

# Denominator: S01 (0-17, medicaid), S02 and S04 (18-64, medicaid), S03 (65+, medicare
# advantage), S09 (65 on 1 January, dsnp). Out: S05 (a 46-day gap), S06 (not enrolled on
# 31 December), S07 (hospice), S08 (two gaps).
# Screened: food S01, S02, S03 (PRAPARE 93031-3, a coded result though not positive),
# S04; housing S01, S03, S04 (1 December counts); transportation S01, S09 (S03's is
# 2 December). Positive: food S01 (1 Feb), S02 (10 Jun); housing S03, S04; transport S09.
# Interventions: S01's on day 30 counts; S02's on day 31 does not.
EXPECTED_ALL = {
    "food_screening": ("5", "4", "80.00"),
    "housing_screening": ("5", "3", "60.00"),
    "transportation_screening": ("5", "2", "40.00"),
    "food_intervention": ("2", "1", "50.00"),
    "housing_intervention": ("2", "0", "0.00"),
    "transportation_intervention": ("1", "0", "0.00"),
}


def run(data: Path, tmp_path: Path, *extra: str) -> list[dict[str, str]]:
    out = tmp_path / "rates.csv"
    args = [
        "sns-e",
        "--roster", str(data / "sns_roster.csv"),
        "--screenings", str(data / "sns_screenings.csv"),
        "--interventions", str(data / "sns_interventions.csv"),
        "--year", "2025",
        "--out", str(out),
        *extra,
    ]  # fmt: skip
    assert measure.main(args) == 0
    with out.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_six_rates_and_strata(data: Path, tmp_path: Path) -> None:
    rows = run(data, tmp_path)
    overall = {
        r["measure"]: (r["denominator"], r["numerator"], r["rate"])
        for r in rows
        if r["stratum_kind"] == "all"
    }
    assert overall == EXPECTED_ALL
    strata = {(r["stratum_kind"], r["stratum"]) for r in rows}
    assert strata == {
        ("all", "all"),
        ("age", "0-17"),
        ("age", "18-64"),
        ("age", "65+"),
        ("product", "dsnp"),
        ("product", "medicaid"),
        ("product", "medicare_advantage"),
    }
    by = {(r["stratum"], r["measure"]): (r["denominator"], r["numerator"], r["rate"]) for r in rows}
    assert by[("0-17", "food_intervention")] == ("1", "1", "100.00")
    assert by[("0-17", "housing_intervention")] == ("0", "0", "")
    assert by[("18-64", "food_screening")] == ("2", "2", "100.00")
    assert by[("65+", "transportation_screening")] == ("2", "1", "50.00")
    assert by[("medicaid", "housing_screening")] == ("3", "2", "66.67")


def test_a_plans_own_value_sets(data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "vs"
    folder.mkdir()
    shipped = resources.files("carehub.analytics").joinpath("valuesets")
    for name in ("sns_e_screening.csv", "sns_e_interventions.csv"):
        (folder / name).write_text(shipped.joinpath(name).read_text())
    with (folder / "sns_e_interventions.csv").open("a") as handle:
        handle.write("housing,HOUSE1,local,Housing navigation,false,test\n")
    rows = run(data, tmp_path, "--valuesets", str(folder))
    overall = {r["measure"]: r["numerator"] for r in rows if r["stratum_kind"] == "all"}
    assert overall["housing_intervention"] == "1"  # S03, same day as the positive screen


def test_unknown_measure_and_bad_file_exit_2(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert measure.main(["sns-x", "--year", "2025"]) == 2
    assert "sns-x" in capsys.readouterr().err
    bad = tmp_path / "screenings.csv"
    shutil.copy(data / "sns_screenings.csv", bad)
    bad.write_text(bad.read_text().replace("2025-06-10", "10/06/2025"))
    out = tmp_path / "rates.csv"
    args = [
        "sns-e", "--roster", str(data / "sns_roster.csv"), "--screenings", str(bad),
        "--interventions", str(data / "sns_interventions.csv"), "--year", "2025", "--out", str(out),
    ]  # fmt: skip
    assert measure.main(args) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "column date" in err and "row 5" in err
    assert not out.exists()


def test_continuous_enrolment_rule() -> None:
    d = dt.date
    assert continuously_enrolled([(d(2020, 1, 1), None)], 2025)
    assert continuously_enrolled([(d(2025, 2, 15), None)], 2025)  # one 45-day gap
    assert not continuously_enrolled([(d(2025, 2, 16), None)], 2025)
    assert not continuously_enrolled([(d(2020, 1, 1), d(2025, 12, 30))], 2025)
    # overlapping spans are not gaps
    assert continuously_enrolled([(d(2025, 1, 1), d(2025, 8, 1)), (d(2025, 6, 1), None)], 2025)


def test_value_sets_agree_with_the_scoring_functions() -> None:
    sets = load_value_sets()
    for entry in sets.screening:
        if entry.item == "88124-3":
            continue  # the HVS result item is not part of the scored answer sheet
        positives = positive_answer_codes(INSTRUMENTS[entry.instrument])
        assert positives[entry.item] == entry.positive_answers, (entry.instrument, entry.item)
    assert all(e.source for e in (*sets.screening, *sets.interventions))
