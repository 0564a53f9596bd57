"""The ROI job at plan scale on DuckDB: seconds for the whole job and for each stage.

    .venv/bin/python bench/roi.py [--members 100000] [--program 5000] [--bootstrap 1000]

Generates (once) a synthetic extract with `carehub generate` under bench/out/ (13 months
of claims, so 6 baseline months, the index month and 6 follow-up months fit), takes
every 20th member as enrolled in the program with an index date in the middle month,
and runs `analytics.roi.run_roi` on DuckDB. Prints the stages' seconds, the total and
the peak memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

from carehub.analytics import engines, roi
from carehub.analytics.extracts import Extract, Workspace

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
AS_OF = dt.date(2026, 10, 31)
INDEX = dt.date(2026, 4, 15)  # baseline 2025-10..2026-03, follow-up 2026-05..2026-10


class Timer:
    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.last = self.start
        self.current = ""
        self.stages: list[tuple[str, float]] = []

    def stage(self, name: str, total: int | None = None, *, done: int = 0) -> None:
        now = time.perf_counter()
        if self.current:
            self.stages.append((self.current, now - self.last))
        self.current, self.last = name, now

    def advance(self, steps: int = 1) -> None:
        pass

    def end(self) -> float:
        self.stage("")
        return time.perf_counter() - self.start


def ensure_data(members: int) -> Path:
    data = OUT / f"roi-{members}"
    if not (data / "claims.parquet").exists():
        subprocess.run(
            [sys.executable, "-m", "carehub.cli", "generate", "--members", str(members),
             "--seed", "11", "--out", str(data), "--format", "parquet", "--months", "13",
             "--as-of", AS_OF.isoformat(), "--quiet"],
            check=True,
        )  # fmt: skip
    return data


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--every", type=int, default=20, help="every Nth member is enrolled")
    parser.add_argument("--bootstrap", type=int, default=1000)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    data = ensure_data(args.members)
    roster = pq.read_table(data / "roster.parquet", columns=["member_id"]).column(0).to_pylist()
    program = {m: INDEX for m in sorted(set(roster))[:: args.every]}
    lines = pq.ParquetFile(data / "claims.parquet").metadata.num_rows
    print(f"data: {data} ({len(set(roster)):,} members, {lines:,} claim lines), "
          f"{len(program):,} enrolled, bootstrap {args.bootstrap}")
    timer = Timer()
    with Workspace(engines.connect("duckdb")) as ws:
        result = roi.run_roi(ws, Extract("roster", data / "roster.parquet", {}),
                             Extract("claims", data / "claims.parquet", {}), program,
                             roi.RoiOptions(bootstrap=args.bootstrap), steps=timer)
    total = timer.end()
    for name, seconds in timer.stages:
        print(f"  {name:<32} {seconds:6.2f} s")
    print(f"total {total:.2f} s, peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    c = result["counts"]
    print(f"matched {c['enrolled_matched']:,} enrolled, {c['comparison_matched']:,} comparison; "
          f"{c['strata_kept']:,} strata kept, {c['strata_dropped']:,} dropped")
    d = result["did"]["allowed_pmpm"]
    print(f"allowed PMPM DiD {d['estimate']} ({d['low']} to {d['high']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
