"""Fee schedules: the shipped rows, lookup on (code, modifiers, date), and a hub's CSV read
with every bad row and column named at once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from carehub.core.billing.fee_schedule import (
    COLUMNS,
    FeeScheduleError,
    chi_units,
    load_csv,
    shipped_schedules,
)

HEADER = ",".join(COLUMNS)


def csv_text(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def test_the_shipped_schedules_load_and_every_row_keeps_verification_and_source() -> None:
    schedules = shipped_schedules()
    assert sorted(schedules) == ["calaim-community-supports", "medicare-chi",
                                 "nc-healthy-opportunities"]
    for schedule in schedules.values():
        for row in schedule.rows:
            assert row.verification and row.source, row
            assert row.schedule == schedule.name
    assert len(schedules["calaim-community-supports"]) == 32
    assert all(row.rate is None for row in schedules["calaim-community-supports"].rows)


def test_calaim_codes_that_differ_only_by_modifier() -> None:
    calaim = shipped_schedules()["calaim-community-supports"]
    day = date(2026, 3, 1)
    asthma = calaim.lookup("S5165", ("U5",), day)
    home = calaim.lookup("S5165", ["U6"], day)
    assert asthma is not None and asthma.service == "Asthma Remediation"
    assert home is not None and home.service.startswith("Environmental Accessibility")
    assert asthma.billing_code == "S5165-U5"
    assert calaim.lookup("S5165", (), day) is None
    assert calaim.lookup("S5165", ("U5", "U6"), day) is None
    # Case and spacing as typed by a person are forgiven.
    assert calaim.lookup(" s5165", (" u5",), day) == asthma
    assert [r.modifiers for r in calaim.rows_for("H0044")] == [("U2",), ("U3",), ("U6",)]


def test_nc_food_rates_from_2024_07_01_and_services_without_a_known_code() -> None:
    nc = shipped_schedules()["nc-healthy-opportunities"]
    priced = {row.service: str(row.rate) for row in nc.rows if row.rate is not None}
    assert priced["Medically Tailored Home Delivered Meal"] == "7.92"
    assert priced["Healthy Food Box (For Pick-Up) - large"] == "169.01"
    assert len(priced) == 7
    assert {row.effective for row in nc.rows if row.rate is not None} == {date(2024, 7, 1)}
    # No HCPCS or HOP service code was found: the rows are listed, never looked up.
    assert all(row.code == "" for row in nc.rows)
    assert any(row.verification.startswith("UNVERIFIED") for row in nc.rows)


def test_medicare_chi_rates_and_the_monthly_limit() -> None:
    chi = shipped_schedules()["medicare-chi"]
    first = chi.lookup("G0019", (), date(2024, 1, 1))
    more = chi.lookup("G0022", (), date(2026, 6, 30))
    assert first is not None and str(first.rate) == "77.96" and first.per_period == 1
    assert more is not None and str(more.rate) == "48.52" and more.per_period is None
    assert first.verification == "secondary"
    assert chi.lookup("G0019", (), date(2023, 12, 31)) is None


def test_chi_units_with_configurable_minimums() -> None:
    assert chi_units(59) == {}
    assert chi_units(60) == {"G0019": 1}
    assert chi_units(89) == {"G0019": 1}
    assert chi_units(150) == {"G0019": 1, "G0022": 3}
    assert chi_units(45, first_minimum=31) == {"G0019": 1}
    assert chi_units(76, additional_minimum=16) == {"G0019": 1, "G0022": 1}
    assert chi_units(75, additional_minimum=16) == {"G0019": 1}
    with pytest.raises(ValueError):
        chi_units(-1)


def test_lookup_on_effective_date_boundaries() -> None:
    schedule = load_csv(csv_text(
        "hub,Meal,S5170,U6,per meal,7.00,2025-01-01,2025-06-30,,,,verified,contract A,",
        "hub,Meal,S5170,U6,per meal,7.50,2025-07-01,,,,,verified,contract A amendment 1,",
        "hub,Meal,S5170,,per meal,6.00,2025-03-01,2025-03-31,,,,verified,contract B,",
    ), "hub")
    def rate(code: str, mods: tuple[str, ...], day: date) -> str | None:
        row = schedule.lookup(code, mods, day)
        return None if row is None else str(row.rate)
    assert rate("S5170", ("U6",), date(2024, 12, 31)) is None
    assert rate("S5170", ("U6",), date(2025, 1, 1)) == "7.00"
    assert rate("S5170", ("U6",), date(2025, 6, 30)) == "7.00"
    assert rate("S5170", ("U6",), date(2025, 7, 1)) == "7.50"
    assert rate("S5170", ("U6",), date(2099, 1, 1)) == "7.50"
    assert rate("S5170", (), date(2025, 3, 31)) == "6.00"
    assert rate("S5170", (), date(2025, 4, 1)) is None
    with_gap = load_csv(csv_text(
        "hub,Meal,S5170,,per meal,7.00,2025-01-01,2025-01-31,,,,verified,,",
        "hub,Meal,S5170,,per meal,8.00,2025-03-01,,,,,verified,,",
    ), "hub")
    assert with_gap.lookup("S5170", (), date(2025, 2, 15)) is None
    assert with_gap.lookup("S5170", (), date(2025, 3, 1)) is not None


def test_modifiers_in_any_order_and_limits() -> None:
    schedule = load_csv(csv_text(
        "hub,Respite,T1005,U6 U5,per 15 minutes,5.25,,,8,40,120,secondary,plan letter,note"),
        "hub")
    row = schedule.lookup("T1005", ("U5", "U6"), date(2026, 1, 1))
    assert row is not None and row.modifiers == ("U5", "U6")
    assert (row.per_day, row.per_period, row.per_episode) == (8, 40, 120)
    assert row.billing_code == "T1005-U5-U6"
    assert row.effective is None and row.notes == "note" and row.row == 2


def test_every_bad_row_and_column_is_named_at_once() -> None:
    text = csv_text(
        "hub,Meal,S517,U6,per meal,7.00,2025-01-01,,,,,verified,,",         # row 2: code
        "hub,Meal,S5170,U66,per meal,7.005,2025-13-01,,,,,verified,,",       # row 3
        "hub,Meal,S5170,U6,per meal,-1.00,2025-05-01,2025-04-30,0,x,,,,",    # row 4
        "other,,S5170,,per meal,$7.00,,,,,,verified,,",                      # row 5
        "hub,Box,S9470,,per box,10.00,2025-01-01,2025-12-31,,,,verified,,",  # row 6
        "hub,Box,S9470,,per box,11.00,2025-12-31,,,,,verified,,",            # row 7: overlap
    )
    with pytest.raises(FeeScheduleError) as caught:
        load_csv(text, "hub")
    assert caught.value.errors == [
        ("row 2, column code", '"S517" is not a HCPCS or CPT code: write a letter and 4 digits '
                               '("S5165") or 5 digits ("99490")'),
        ("row 3, column modifiers", '"U66" is not a modifier: each is 2 letters or digits, '
                                    'separated by spaces ("U5 U6")'),
        ("row 3, column rate", '"7.005" is not an amount with at most two decimals '
                               '(write "7.92")'),
        ("row 3, column effective", '"2025-13-01" is not a date: write it as 2024-07-01'),
        ("row 4, column rate", "-1.00 is negative"),
        ("row 4, column ends", "2025-04-30 is before effective 2025-05-01"),
        ("row 4, column per_day", '"0" is not a whole number of units of at least 1 (leave it '
                                  "empty for no limit)"),
        ("row 4, column per_period", '"x" is not a whole number of units of at least 1 (leave '
                                     "it empty for no limit)"),
        ("row 4, column verification", 'required: how sure the row is, e.g. "verified" or '
                                       '"secondary" (shown to users next to the rate)'),
        ("row 5, column schedule", 'is "other" but this file is loaded as schedule "hub"'),
        ("row 5, column service", "required: the service's name"),
        ("row 7, column effective", "S9470 from 2025-12-31 overlaps row 6 (2025-01-01 to "
                                    "2025-12-31): end one range before the other begins"),
    ]
    assert caught.value.describe().startswith("hub: row 2, column code: ")


def test_header_problems_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(FeeScheduleError) as caught:
        load_csv("service,code,price,rate,rate\nMeal,S5170,7,7,7\n", "hub")
    assert caught.value.errors == [
        ("row 1", "column modifiers is missing (the header needs service, code, modifiers, "
                  "unit, rate, effective, ends, verification)"),
        ("row 1", "column unit is missing (the header needs service, code, modifiers, unit, "
                  "rate, effective, ends, verification)"),
        ("row 1", "column effective is missing (the header needs service, code, modifiers, "
                  "unit, rate, effective, ends, verification)"),
        ("row 1", "column ends is missing (the header needs service, code, modifiers, unit, "
                  "rate, effective, ends, verification)"),
        ("row 1", "column verification is missing (the header needs service, code, "
                  "modifiers, unit, rate, effective, ends, verification)"),
        ("row 1, column 3", 'unknown column "price" (allowed: ' + ", ".join(COLUMNS) + ")"),
        ("row 1, column 5", 'column "rate" appears twice'),
    ]
    with pytest.raises(FeeScheduleError, match="the file is empty"):
        load_csv("", "hub")
    with pytest.raises(FeeScheduleError, match="row 2: has 15 cells but the header has 14"):
        load_csv(csv_text("hub,Meal, with comma,S5170,,per meal,7.00,,,,,,verified,,"), "hub")
    with pytest.raises(FeeScheduleError, match="missing.csv: cannot read the file"):
        load_csv(tmp_path / "missing.csv", "hub")
    # A file with a byte-order mark, written by a spreadsheet, reads the same.
    path = tmp_path / "mine.csv"
    path.write_text("\ufeff" + csv_text("hub,Meal,S5170,,per meal,7.00,,,,,,verified,,"),
                    encoding="utf-8")
    assert len(load_csv(path, "hub")) == 1
    assert len(load_csv(str(path), "hub")) == 1
