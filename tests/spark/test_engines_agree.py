"""The same analytics jobs give identical results on DuckDB and on Spark (local[2])."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from carehub.commands import cost, eligibility, measure

pytestmark = pytest.mark.spark

DATA = Path(__file__).parents[1] / "unit" / "analytics" / "data"


def both(main: Any, args: list[str], out_flag: str, tmp_path: Path) -> tuple[str, str]:
    outputs = []
    for engine in ("duckdb", "spark"):
        out = tmp_path / f"{engine}.out"
        assert main([*args, "--engine", engine, out_flag, str(out)]) == 0
        outputs.append(out.read_text())
    return outputs[0], outputs[1]


def test_eligibility_identical(spark: Any, tmp_path: Path) -> None:
    args = [
        "--roster", str(DATA / "roster.csv"),
        "--claims", str(DATA / "claims.csv"),
        "--criteria", str(DATA / "criteria.yaml"),
    ]  # fmt: skip
    for engine in ("duckdb", "spark"):
        out, summary = tmp_path / f"{engine}.csv", tmp_path / f"{engine}.json"
        assert (
            eligibility.main(
                [*args, "--engine", engine, "--out", str(out), "--summary", str(summary)]
            )
            == 0
        )
    assert (tmp_path / "duckdb.csv").read_text() == (tmp_path / "spark.csv").read_text()
    assert (tmp_path / "duckdb.json").read_text() == (tmp_path / "spark.json").read_text()
    assert json.loads((tmp_path / "spark.json").read_text())["members_eligible"] == 4


# money as the CSV reader infers it (double, cast by carehub) and as a 2-place decimal
# (kept as typed)
@pytest.mark.parametrize("money", [None, pa.decimal128(12, 2)])
def test_eligibility_from_parquet_identical(
    spark: Any, tmp_path: Path, money: pa.DataType | None
) -> None:
    for name in ("roster", "claims"):
        table = pacsv.read_csv(DATA / f"{name}.csv")
        if money is not None and name == "claims":
            for column in ("allowed_amount", "paid_amount"):
                index = table.column_names.index(column)
                table = table.set_column(index, column, table.column(column).cast(money))
        pq.write_table(table, tmp_path / f"{name}.parquet")
    criteria = tmp_path / "c.yaml"
    criteria.write_text(
        "as_of: 2026-03-01\n"
        "require:\n  conditions_any: {icd10: [I50, E11.9, Z59.41], lookback_days: 400}\n"
        "exclude:\n  hospice: true\n"
        "rank:\n  - {by: days_since_discharge, order: asc}\n  - {by: allowed_12m, order: desc}\n"
        "  - {by: social_need_codes, order: desc}\n  - {by: inpatient_stays_12m, order: desc}\n"
        "cap: 5\n"
    )
    args = [
        "--roster", str(tmp_path / "roster.parquet"),
        "--claims", str(tmp_path / "claims.parquet"),
        "--criteria", str(criteria),
    ]  # fmt: skip
    duck, spark_out = both(eligibility.main, args, "--out", tmp_path)
    assert duck == spark_out
    # every member has an I50, E11.9 or Z59.41 within 400 days; M004 is in hospice
    assert len(duck.splitlines()) == 1 + 11


def test_eligibility_code_rules_identical(spark: Any, tmp_path: Path) -> None:
    # latest code among same-day ties, the longest of stays ending the same day, an
    # exclusion by code and the distinct social-need count, on both engines
    args = [
        "--roster", str(DATA / "codes_roster.csv"),
        "--claims", str(DATA / "codes_claims.csv"),
        "--criteria", str(DATA / "codes_criteria.yaml"),
    ]  # fmt: skip
    duck, spark_out = both(eligibility.main, args, "--out", tmp_path)
    assert duck == spark_out
    assert [line.split(",")[0] for line in duck.splitlines()[1:]] == ["X01", "X04"]


def test_cost_identical(spark: Any, tmp_path: Path) -> None:
    args = [
        "--roster", str(DATA / "roster.csv"),
        "--claims", str(DATA / "claims.csv"),
        "--from", "2025-03-01", "--to", "2026-02-28",
        "--baseline-from", "2024-03-01", "--baseline-to", "2025-02-28",
        "--by", "month",
    ]  # fmt: skip
    duck, spark_out = both(cost.main, args, "--out", tmp_path)
    assert duck == spark_out
    assert json.loads(duck)["period"]["allowed_pmpm"] == "740.20"


def test_sns_e_identical(spark: Any, tmp_path: Path) -> None:
    args = [
        "sns-e",
        "--roster", str(DATA / "sns_roster.csv"),
        "--screenings", str(DATA / "sns_screenings.csv"),
        "--interventions", str(DATA / "sns_interventions.csv"),
        "--year", "2025",
    ]  # fmt: skip
    duck, spark_out = both(measure.main, args, "--out", tmp_path)
    assert duck == spark_out
    assert "food_screening,5,4,80.00" in duck
