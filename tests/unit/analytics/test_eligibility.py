"""carehub eligibility on DuckDB against the hand-checked fixture in data/."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from carehub.commands import eligibility

# Worked by hand from data/roster.csv and data/claims.csv, as of 2026-03-01:
# M003 is 64 (birthday tomorrow), M004 in hospice, M005 commercial, M006's span ended
# 2026-02-28, M007 in Monroe county, M008's I50.9 is 366 days old, M010 discharged 15
# days ago, M011 stayed 0 nights. M009's I50.1 is exactly 365 days old and its
# discharge exactly 14 days ago: both inclusive. M002's code is written without a dot.
# M001 and M009 tie on risk and ED visits; member_id breaks the tie. Cap 2.
EXPECTED_ROWS = [
    {
        "member_id": "M001",
        "rank": "1",
        "selected": "true",
        "reasons": "product medicare_advantage; enrolled since 2024-01-01; age 71>=65; "
        "county Erie, NY; I50.9 2025-10-02; discharge 2026-02-20 (3 nights)",
        "risk_score": "2.1",
        "ed_visits_12m": "2",
    },
    {
        "member_id": "M009",
        "rank": "2",
        "selected": "true",
        "reasons": "product medicare_advantage; enrolled since 2021-05-01; age 76>=65; "
        "county Erie, NY; I50.1 2025-03-01; discharge 2026-02-15 (2 nights)",
        "risk_score": "2.1",
        "ed_visits_12m": "2",
    },
    {
        "member_id": "M002",
        "rank": "3",
        "selected": "false",
        "reasons": "product dsnp; enrolled since 2020-01-01; age 66>=65; "
        "county Niagara, NY; E119 2025-06-01; discharge 2026-02-26 (1 night)",
        "risk_score": "1.6",
        "ed_visits_12m": "0",
    },
    {
        "member_id": "M012",
        "rank": "4",
        "selected": "false",
        "reasons": "product dsnp; enrolled since 2024-01-01; age 70>=65; "
        "county Erie, NY; I50.22 2025-11-20; discharge 2026-02-28 (2 nights)",
        "risk_score": "1.2",
        "ed_visits_12m": "1",
    },
]


def _entry(
    value: str, eligible: int, e_share: str, selected: int, s_share: str
) -> dict[str, object]:
    return {
        "value": value,
        "eligible": eligible,
        "eligible_share": e_share,
        "selected": selected,
        "selected_share": s_share,
    }


# Eligible: M001 Black/Not Hispanic/English/Erie, M009 Black/Hispanic/Spanish/Erie,
# M002 White/Hispanic/Spanish/Niagara, M012 (no race)/Not Hispanic/English/Erie.
# Selected: M001 and M009.
EXPECTED_EQUITY = {
    "race": [
        _entry("Black", 2, "0.5000", 2, "1.0000"),
        _entry("(blank)", 1, "0.2500", 0, "0.0000"),
        _entry("White", 1, "0.2500", 0, "0.0000"),
    ],
    "ethnicity": [
        _entry("Hispanic", 2, "0.5000", 1, "0.5000"),
        _entry("Not Hispanic", 2, "0.5000", 1, "0.5000"),
    ],
    "language": [
        _entry("English", 2, "0.5000", 1, "0.5000"),
        _entry("Spanish", 2, "0.5000", 1, "0.5000"),
    ],
    "county": [
        _entry("Erie, NY", 3, "0.7500", 2, "1.0000"),
        _entry("Niagara, NY", 1, "0.2500", 0, "0.0000"),
    ],
}


def run(args: list[str]) -> int:
    return eligibility.main(args)


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def base_args(data: Path, out: Path, **paths: Path) -> list[str]:
    return [
        "--roster", str(paths.get("roster", data / "roster.csv")),
        "--claims", str(paths.get("claims", data / "claims.csv")),
        "--criteria", str(paths.get("criteria", data / "criteria.yaml")),
        "--out", str(out),
    ]  # fmt: skip


def test_ranked_list_and_equity_summary_match_the_hand_check(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, summary = tmp_path / "ranked.csv", tmp_path / "summary.json"
    assert run([*base_args(data, out), "--summary", str(summary)]) == 0
    assert read_rows(out) == EXPECTED_ROWS
    report = json.loads(summary.read_text())
    assert report["members_read"] == 12
    assert report["members_eligible"] == 4
    assert report["members_selected"] == 2
    assert report["equity"] == EXPECTED_EQUITY
    printed = capsys.readouterr().out
    assert "members eligible: 4" in printed
    assert "Erie, NY" in printed and "100.0% (2)" in printed


def test_same_result_from_parquet_and_with_a_plan_mapping(data: Path, tmp_path: Path) -> None:
    roster = pacsv.read_csv(
        data / "roster.csv", convert_options=pacsv.ConvertOptions(strings_can_be_null=True)
    )
    # the plan calls its columns differently; dates and numbers typed in Parquet
    roster = roster.rename_columns(
        ["MBR_ID" if n == "member_id" else n.upper() for n in roster.column_names]
    )
    pq.write_table(roster, tmp_path / "roster.parquet")
    claims = pacsv.read_csv(data / "claims.csv")
    pq.write_table(claims, tmp_path / "claims.parquet")
    mapping = tmp_path / "plan.yaml"
    names = [n for n in roster.column_names if n != "MBR_ID"]
    mapping.write_text(
        "roster:\n  MBR_ID: member_id\n" + "".join(f"  {n}: {n.lower()}\n" for n in names)
    )
    out = tmp_path / "ranked.csv"
    args = base_args(
        data, out, roster=tmp_path / "roster.parquet", claims=tmp_path / "claims.parquet"
    )
    assert run([*args, "--mapping", str(mapping)]) == 0
    assert read_rows(out) == EXPECTED_ROWS


def test_without_cap_everyone_eligible_is_selected(data: Path, tmp_path: Path) -> None:
    criteria = tmp_path / "c.yaml"
    criteria.write_text((data / "criteria.yaml").read_text().replace("cap: 2\n", ""))
    out = tmp_path / "ranked.csv"
    assert run(base_args(data, out, criteria=criteria)) == 0
    assert [r["selected"] for r in read_rows(out)] == ["true"] * 4


def test_social_needs_rule_and_measure(data: Path, tmp_path: Path) -> None:
    criteria = tmp_path / "c.yaml"
    criteria.write_text(
        "as_of: 2026-03-01\n"
        "require:\n  social_needs_any: {icd10: [Z5941, Z59.86], lookback_days: 365}\n"
        "rank:\n  - {by: social_need_codes, order: desc}\n  - {by: allowed_12m, order: desc}\n"
    )
    out = tmp_path / "ranked.csv"
    assert run(base_args(data, out, criteria=criteria)) == 0
    # only M012 has Z59.41; its 12-month allowed: 95 + 9000 + 600 (the 2025-02-28 ED visit is older)
    assert read_rows(out) == [
        {
            "member_id": "M012",
            "rank": "1",
            "selected": "true",
            "reasons": "Z59.41 2025-11-20",
            "social_need_codes": "1",
            "allowed_12m": "9695.00",
        }
    ]


def _fails(capsys: pytest.CaptureFixture[str], args: list[str], out: Path) -> str:
    assert run(args) == 2
    assert not out.exists()
    assert not list(out.parent.glob(".*.tmp"))
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    return err


def test_unknown_criteria_key_names_it(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    criteria = tmp_path / "c.yaml"
    criteria.write_text("as_of: 2026-03-01\nrequire:\n  age: {min: 65}\n  langauge: [es]\n")
    out = tmp_path / "ranked.csv"
    err = _fails(capsys, base_args(data, out, criteria=criteria), out)
    assert "c.yaml" in err and "require.langauge" in err


def test_missing_column_names_file_and_column(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = tmp_path / "roster.csv"
    lines = (data / "roster.csv").read_text().splitlines()
    roster.write_text("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n")  # drop hospice
    out = tmp_path / "ranked.csv"
    err = _fails(capsys, base_args(data, out, roster=roster), out)
    assert str(roster) in err and "missing column hospice" in err


def test_unparseable_date_names_column_and_first_bad_row(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claims = tmp_path / "claims.csv"
    text = (data / "claims.csv").read_text()
    claims.write_text(
        text.replace("2026-02-25,2026-02-26", "2026-02-25,02/26/2026").replace(
            "2025-09-01,2025-09-01", "2025-09-01,2025-02-30"
        )
    )
    out = tmp_path / "ranked.csv"
    err = _fails(capsys, base_args(data, out, claims=claims), out)
    # C011 is the 8th data row (line 9); the impossible 2025-02-30 comes later
    assert str(claims) in err and "column service_to" in err and "row 8 (line 9)" in err
    assert "02/26/2026" in err


def test_wrong_type_in_parquet_names_column(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claims = pacsv.read_csv(
        data / "claims.csv",
        convert_options=pacsv.ConvertOptions(column_types={"allowed_amount": "string"}),
    )
    import pyarrow as pa

    values = claims.column("allowed_amount").to_pylist()
    values[3] = "9OO.00"
    claims = claims.set_column(
        claims.column_names.index("allowed_amount"), "allowed_amount", pa.array(values)
    )
    pq.write_table(claims, tmp_path / "claims.parquet")
    out = tmp_path / "ranked.csv"
    err = _fails(capsys, base_args(data, out, claims=tmp_path / "claims.parquet"), out)
    assert "column allowed_amount" in err and "row 4" in err and "9OO.00" in err


def test_code_rules_latest_match_ties_and_exclusion(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "ranked.csv"
    args = base_args(
        data,
        out,
        roster=data / "codes_roster.csv",
        claims=data / "codes_claims.csv",
        criteria=data / "codes_criteria.yaml",
    )
    assert run(args) == 0
    # X01: three matching codes on 2026-01-10 (e11.65, I50.9, E11.21, written with odd case
    # and spaces): the smallest without dots, E1121, is shown as written. Two stays end
    # 2026-02-03: the longer (3 nights) is shown. Z59.1 and z56.0 are two social-need codes.
    # X02 has Z59.01 within 100 days: excluded. X03's E11.9 is 366 days old.
    # X04's lower-case i50.9 is older than its I50.9 of 2026-02-25.
    assert read_rows(out) == [
        {
            "member_id": "X01",
            "rank": "1",
            "selected": "true",
            "reasons": "E11.21 2026-01-10; discharge 2026-02-03 (3 nights)",
            "social_need_codes": "2",
            "days_since_discharge": "26",
        },
        {
            "member_id": "X04",
            "rank": "2",
            "selected": "true",
            "reasons": "I50.9 2026-02-25; discharge 2026-02-26 (1 night)",
            "social_need_codes": "1",
            "days_since_discharge": "3",
        },
    ]


def test_a_day_that_does_not_exist_is_named(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # strptime alone would read 2025-02-30 as 2025-03-02
    claims = tmp_path / "claims.csv"
    text = (data / "claims.csv").read_text()
    claims.write_text(text.replace("2025-09-01,2025-09-01", "2025-09-01,2025-02-30"))
    out = tmp_path / "ranked.csv"
    err = _fails(capsys, base_args(data, out, claims=claims), out)
    assert "column service_to" in err and "'2025-02-30' is not a date YYYY-MM-DD" in err
