"""Eligibility at plan scale: carehub vs hand-written DuckDB SQL vs plain pandas.

    .venv/bin/python bench/eligibility.py [--members 1000000] [--skip-pandas]

Generates (once) the synthetic extract with `carehub generate` under bench/out/, then
runs the same selection three ways, each in its own process so peak memory is its own:
carehub's Ibis job on DuckDB, the selection written by hand in DuckDB SQL, and a plain
pandas version. Prints wall time, CPU time (user + system of the child process, less
sensitive than wall time to other work on a shared machine) and peak RSS for each, the
ratios, and checks that the three ranked selections are the same members in the same
order. `--repeat N` runs carehub and the hand SQL N times each, alternating.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
AS_OF = dt.date(2026, 10, 31)  # the generator's as_of: its claims cover the 12 months before
PRODUCTS = ["medicare_advantage", "dsnp", "medicaid"]
COUNTIES = ["Erie, NY", "Niagara, NY", "Monroe, NY", "Kings, NY", "Bronx, NY"]
AGE_MIN = 50
CONDITIONS = ["E11", "I50"]
SOCIAL = ["Z59"]
LOOKBACK = 365
DISCHARGE_DAYS = 365
MIN_NIGHTS = 1
CAP = 5000

CRITERIA = f"""\
population: bench
as_of: {AS_OF.isoformat()}
require:
  product: {json.dumps(PRODUCTS)}
  enrolled: true
  age: {{min: {AGE_MIN}}}
  geography: {{counties: {json.dumps(COUNTIES)}}}
  conditions_any: {{icd10: {json.dumps(CONDITIONS)}, lookback_days: {LOOKBACK}}}
  social_needs_any: {{icd10: {json.dumps(SOCIAL)}, lookback_days: {LOOKBACK}}}
  discharge: {{within_days: {DISCHARGE_DAYS}, min_nights: {MIN_NIGHTS}}}
exclude:
  hospice: true
rank:
  - {{by: risk_score, order: desc}}
  - {{by: ed_visits_12m, order: desc}}
  - {{by: member_id, order: asc}}
cap: {CAP}
"""


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_carehub(data: Path) -> list[str]:
    from carehub.analytics.eligibility import run_eligibility
    from carehub.analytics.engines import connect
    from carehub.analytics.extracts import Workspace, extract
    from carehub.commands.eligibility import load_criteria

    criteria_path = OUT / "bench-criteria.yaml"
    criteria_path.write_text(CRITERIA)
    criteria = load_criteria(criteria_path)
    with Workspace(connect("duckdb")) as ws:
        result = run_eligibility(
            ws,
            extract("roster", data / "roster.parquet", {}),
            extract("claims", data / "claims.parquet", {}),
            criteria,
        )
    return [m.member_id for m in result.ranked]


def _sql_list(values: list[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _prefix_sql(column: str, prefixes: list[str]) -> str:
    return " OR ".join(f"{column} LIKE '{p.replace('.', '')}%'" for p in prefixes)


def run_duckdb_sql(data: Path) -> list[str]:
    import duckdb

    as_of = f"DATE '{AS_OF.isoformat()}'"
    since = f"DATE '{(AS_OF - dt.timedelta(days=LOOKBACK)).isoformat()}'"
    dis_since = f"DATE '{(AS_OF - dt.timedelta(days=DISCHARGE_DAYS)).isoformat()}'"
    mmdd = AS_OF.month * 100 + AS_OF.day
    sql = f"""
    WITH spans AS (
      SELECT *, (enroll_start <= {as_of} AND (enroll_end IS NULL OR enroll_end >= {as_of}))::INT AS covering
      FROM read_parquet('{data / "roster.parquet"}')
    ), m AS (
      SELECT *, {AS_OF.year} - year(birth_date)
                - CASE WHEN month(birth_date) * 100 + day(birth_date) > {mmdd} THEN 1 ELSE 0 END AS age
      FROM spans
      QUALIFY row_number() OVER (PARTITION BY member_id ORDER BY covering DESC, enroll_start DESC,
        coalesce(enroll_end, DATE '9999-12-31') DESC, coalesce(product, ''), coalesce(county, ''),
        coalesce(zip, ''), coalesce(pcp_npi, '')) = 1
    ), c AS (
      SELECT member_id, claim_id, setting, service_from, service_to, diagnosis_codes
      FROM read_parquet('{data / "claims.parquet"}')
      WHERE service_to >= {since} AND service_from <= {as_of}
    ), codes AS (
      SELECT member_id, replace(upper(trim(code)), '.', '') AS code FROM (
        SELECT member_id, unnest(string_split(diagnosis_codes, ';')) AS code FROM c
        WHERE service_from BETWEEN {since} AND {as_of}
          AND regexp_matches(diagnosis_codes, '(E11|I50|Z59)'))
    ), cond AS (SELECT DISTINCT member_id FROM codes WHERE {_prefix_sql("code", CONDITIONS)}
    ), sn AS (SELECT DISTINCT member_id FROM codes WHERE {_prefix_sql("code", SOCIAL)}
    ), dis AS (
      SELECT DISTINCT member_id FROM (
        SELECT member_id, claim_id, min(service_from) AS admit, max(service_to) AS discharge
        FROM c WHERE setting = 'inpatient' GROUP BY member_id, claim_id)
      WHERE discharge BETWEEN {dis_since} AND {as_of} AND discharge - admit >= {MIN_NIGHTS}
    ), ed AS (
      SELECT member_id, count(DISTINCT claim_id) AS ed FROM c
      WHERE setting = 'ed' AND service_from BETWEEN {since} AND {as_of} GROUP BY member_id
    )
    SELECT m.member_id FROM m
      JOIN cond USING (member_id) JOIN sn USING (member_id) JOIN dis USING (member_id)
      LEFT JOIN ed USING (member_id)
    WHERE m.product IN ({_sql_list(PRODUCTS)}) AND m.covering = 1 AND m.age >= {AGE_MIN}
      AND trim(m.county) IN ({_sql_list(COUNTIES)}) AND NOT coalesce(m.hospice, false)
    ORDER BY m.risk_score DESC, coalesce(ed.ed, 0) DESC, m.member_id
    """
    return [row[0] for row in duckdb.connect().execute(sql).fetchall()]


def run_pandas(data: Path) -> list[str]:
    import pandas as pd

    as_of = pd.Timestamp(AS_OF)
    roster = pd.read_parquet(
        data / "roster.parquet",
        columns=[
            "member_id",
            "birth_date",
            "county",
            "zip",
            "product",
            "pcp_npi",
            "risk_score",
            "enroll_start",
            "enroll_end",
            "hospice",
        ],
    )
    for column in ("birth_date", "enroll_start", "enroll_end"):
        roster[column] = pd.to_datetime(roster[column])
    roster["covering"] = (roster.enroll_start <= as_of) & (
        roster.enroll_end.isna() | (roster.enroll_end >= as_of)
    )
    roster["end_key"] = roster.enroll_end.fillna(pd.Timestamp("2262-01-01"))
    roster = roster.sort_values(
        ["member_id", "covering", "enroll_start", "end_key", "product", "county", "zip", "pcp_npi"],
        ascending=[True, False, False, False, True, True, True, True],
    ).drop_duplicates("member_id")
    birth = roster.birth_date
    before = (birth.dt.month * 100 + birth.dt.day) > (AS_OF.month * 100 + AS_OF.day)
    roster["age"] = AS_OF.year - birth.dt.year - before.astype(int)
    m = roster[
        roster["product"].isin(PRODUCTS)
        & roster.covering
        & (roster.age >= AGE_MIN)
        & roster.county.str.strip().isin(COUNTIES)
        & ~roster.hospice.fillna(False)
    ]
    claims = pd.read_parquet(
        data / "claims.parquet",
        columns=[
            "member_id",
            "claim_id",
            "setting",
            "service_from",
            "service_to",
            "diagnosis_codes",
        ],
        dtype_backend="pyarrow",
    )
    claims["service_from"] = pd.to_datetime(claims.service_from.astype("datetime64[ns]"))
    claims["service_to"] = pd.to_datetime(claims.service_to.astype("datetime64[ns]"))
    since = as_of - pd.Timedelta(days=LOOKBACK)
    claims = claims[
        claims.member_id.isin(m.member_id)
        & (claims.service_to >= since)
        & (claims.service_from <= as_of)
    ]
    recent = claims[claims.service_from.between(since, as_of)]
    codes = (
        recent[["member_id", "diagnosis_codes"]]
        .assign(code=recent.diagnosis_codes.str.split(";"))
        .explode("code")
    )
    codes["code"] = codes.code.astype(str).str.strip().str.upper().str.replace(".", "", regex=False)
    cond = set(codes.loc[codes.code.str.startswith(tuple(CONDITIONS)), "member_id"])
    social = set(codes.loc[codes.code.str.startswith(tuple(SOCIAL)), "member_id"])
    stays = (
        claims[claims.setting == "inpatient"]
        .groupby(["member_id", "claim_id"])
        .agg(admit=("service_from", "min"), discharge=("service_to", "max"))
        .reset_index()
    )
    stays = stays[
        stays.discharge.between(as_of - pd.Timedelta(days=DISCHARGE_DAYS), as_of)
        & ((stays.discharge - stays.admit).dt.days >= MIN_NIGHTS)
    ]
    discharged = set(stays.member_id)
    ed = recent[recent.setting == "ed"].groupby("member_id").claim_id.nunique().rename("ed")
    eligible = m[m.member_id.isin(cond & social & discharged)].merge(
        ed, how="left", left_on="member_id", right_index=True
    )
    eligible["ed"] = eligible.ed.fillna(0)
    eligible["risk"] = eligible.risk_score.astype(float)
    eligible = eligible.sort_values(["risk", "ed", "member_id"], ascending=[False, False, True])
    return list(eligible.member_id)


RUNNERS = {"carehub": run_carehub, "duckdb-sql": run_duckdb_sql, "pandas": run_pandas}


def one(name: str, data: Path) -> None:
    """Child process: run one implementation, print JSON with time, memory and result."""
    start = time.perf_counter()
    members = RUNNERS[name](data)
    seconds = time.perf_counter() - start
    result_path = OUT / f"bench-result-{name}.json"
    result_path.write_text(json.dumps(members))
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb(), "eligible": len(members)}))


def run_child(name: str, data: Path) -> dict[str, float]:
    """Run one implementation in its own process; add its CPU time and the load average."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    child = subprocess.run(
        [sys.executable, __file__, "--one", name, "--data", str(data)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures: dict[str, float] = json.loads(child.stdout.strip().splitlines()[-1])
    figures["cpu"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    figures["load"] = os.getloadavg()[0]
    return figures


def ensure_data(members: int) -> Path:
    data = OUT / ("gen-1m" if members == 1_000_000 else f"gen-{members}")
    if not (data / "claims.parquet").exists():
        subprocess.run(
            [sys.executable, "-m", "carehub.cli", "generate", "--members", str(members),
             "--seed", "7", "--out", str(data), "--format", "parquet"],
            check=True,
        )  # fmt: skip
    return data


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--repeat", type=int, default=2, help="runs of carehub and the SQL")
    parser.add_argument("--one", choices=sorted(RUNNERS), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.one:
        one(args.one, args.data)
        return 0
    data = ensure_data(args.members)
    import pyarrow.parquet as pq

    lines = pq.ParquetFile(data / "claims.parquet").metadata.num_rows
    print(
        f"data: {data} ({args.members:,} members, {lines:,} claim lines), cores: {os.cpu_count()}"
    )
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    figures: dict[str, dict[str, float]] = {}
    names = [n for n in RUNNERS if not (n == "pandas" and args.skip_pandas)]
    for round_ in range(args.repeat):
        for name in names:
            if name == "pandas" and round_ > 0:
                continue  # minutes per run: once is enough
            f = run_child(name, data)
            print(
                f"{name:<11} wall {f['seconds']:7.2f} s   cpu {f['cpu']:7.2f} s   "
                f"peak {f['peak_mb']:6.0f} MB   eligible {f['eligible']:,}   "
                f"load {f['load']:.2f}"
            )
            best = figures.get(name)
            if best is None or f["cpu"] < best["cpu"]:
                figures[name] = f
    results = {n: json.loads((OUT / f"bench-result-{n}.json").read_text()) for n in figures}
    reference = results["carehub"]
    for name, members in results.items():
        same = members == reference
        print(f"{name:<11} same members in the same order as carehub: {same}")
    ours, hand = figures["carehub"], figures["duckdb-sql"]
    print("best run of each (least CPU):")
    print(
        f"carehub / hand-written DuckDB SQL: wall {ours['seconds'] / hand['seconds']:.2f}x, "
        f"cpu {ours['cpu'] / hand['cpu']:.2f}x"
    )
    if "pandas" in figures:
        theirs = figures["pandas"]
        print(
            f"pandas / carehub: wall {theirs['seconds'] / ours['seconds']:.2f}x, "
            f"cpu {theirs['cpu'] / ours['cpu']:.2f}x"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
