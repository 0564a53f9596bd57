"""Imports and bulk assignment as jobs: time and peak memory.

    .venv/bin/python bench/jobs.py [--rows 10000,50000,100000] [--assign 10000,50000]
        [--chunk 2000] [--folder /tmp/carehub-bench-jobs] [--postgres URL/DB]

Generates a roster with `carehub generate` (demo generator, six months of claims, the least it writes), cuts
it to each size, and on a fresh database (SQLite file by default; `--postgres` names a
database to recreate) runs, each in its own process as a worker runs it (`run_job`):

- the roster import job (`members.roster_import`) for each size, into its own plan;
- for the largest plan, a ranked list of each `--assign` size stored by the ranked-list
  job, then the bulk assignment job (`referrals.assign_ranked_list`) of all its members.

Each line printed gives the job, rows, seconds and the process's peak RSS (ru_maxrss),
next to the RSS of the same process before the job started: memory that does not grow
with the rows is the point. `--trace` adds the peak of the job's Python allocations
(tracemalloc), which leaves out SQLite's and the C libraries' own memory.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV_KEYS = ("DATABASE_URL", "CAREHUB_VAR")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="10000,50000,100000")
    parser.add_argument("--assign", default="10000,50000")
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument("--folder", default="/tmp/carehub-bench-jobs")
    parser.add_argument("--postgres", default="", help="postgresql://USER@HOST:PORT/DB")
    parser.add_argument("--trace", action="store_true",
                        help="also report the job's peak of Python allocations "
                             "(tracemalloc; slows the jobs, so time a run without it)")
    args = parser.parse_args()
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    sizes = [int(n) for n in args.rows.split(",")]
    assigns = [int(n) for n in args.assign.split(",") if n]
    source = folder / "generated" / "roster.csv"
    if not source.exists():
        members = int(max(sizes) * 0.97) + 1000  # members with two spans add rows
        run([sys.executable, "-m", "carehub.cli", "generate", "--members", str(members),
             "--seed", "12", "--out", str(folder / "generated"), "--format", "csv",
             "--months", "6", "--overwrite", "--quiet"], {})
    lines = source.read_text().splitlines()
    assert len(lines) - 1 >= max(sizes), f"{source} has {len(lines) - 1} rows"
    for n in sizes:
        (folder / f"roster-{n}.csv").write_text("\n".join(lines[: n + 1]) + "\n")
    env = database(args, folder)
    if args.trace:
        env["BENCH_TRACE"] = "1"
    run([sys.executable, "-m", "carehub.cli", "migrate", "--no-input", "-v", "0"], env)
    child(env, "seed", ",".join(str(n) for n in sizes))
    print(f"database: {'PostgreSQL' if args.postgres else 'SQLite'}; chunk {args.chunk:,} rows")
    for n in sizes:
        report(child(env, "roster", str(n), str(folder / f"roster-{n}.csv"), str(args.chunk)))
    ids = [line.split(",", 1)[0].strip('"') for line in lines[1: max(sizes) + 1]]
    ids = list(dict.fromkeys(ids))  # a member with two spans is one member
    start = 0
    for n in assigns:
        ranked = folder / f"ranked-{n}.csv"
        ranked.write_text("member_id,rank,selected,reasons\n" + "".join(
            f"{m},{i + 1},true,bench\n" for i, m in enumerate(ids[start:start + n])))
        start += n
        report(child(env, "ranked", str(max(sizes)), str(ranked), str(args.chunk)))
        report(child(env, "assign", str(max(sizes)), str(ranked), str(args.chunk)))
    return 0


def database(args: argparse.Namespace, folder: Path) -> dict[str, str]:
    env = {"CAREHUB_VAR": str(folder / "var")}
    if args.postgres:
        import psycopg

        base, _, name = args.postgres.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            db.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = args.postgres
    else:
        path = folder / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{path}"
    return env


def run(command: list[str], env: dict[str, str]) -> str:
    full = {**os.environ, **env, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            "DJANGO_SETTINGS_MODULE": "carehub.settings"}
    done = subprocess.run(command, env=full, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-4000:])
    return done.stdout


def child(env: dict[str, str], *args: str) -> dict[str, object]:
    out = run([sys.executable, str(Path(__file__).resolve().parent / "jobs_child.py"), *args], env)
    return dict(json.loads(out.strip().splitlines()[-1] or "{}"))


def report(row: dict[str, object]) -> None:
    traced = (f"  Python peak {row['python_peak_mb']:.1f} MB" if row.get("python_peak_mb")
              is not None else "")
    print(f"{row['job']:<28} {row['rows']:>8,} rows  {row['seconds']:>7.1f} s  "
          f"peak RSS {row['peak_mb']:>6.0f} MB (before the job {row['before_mb']:.0f} MB)"
          f"{traced}  {row['summary']}", flush=True)


if __name__ == "__main__":
    started = time.monotonic()
    code = main()
    print(f"total {time.monotonic() - started:.0f} s")
    raise SystemExit(code)
