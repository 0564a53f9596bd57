"""Benchmark `carehub generate` at scale.

    .venv/bin/python bench/generate.py [--members 1000000] [--seed 1] [--format parquet]

Runs the generator in a child process (so its peak RSS is measured alone, via
getrusage(RUSAGE_CHILDREN)) and prints wall time, peak RSS, row counts, claim lines per
member, file sizes and the load average before and after (the machine is shared).
Targets from the foundation issue: 1,000,000 members in under 2 minutes and 4 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TIME_LIMIT_S = 120.0
RSS_LIMIT_GB = 4.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", default="parquet")
    parser.add_argument("--months", type=int, default=12)
    args = parser.parse_args()

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-generate-") as tmp:
        out = Path(tmp) / "extract"
        command = [
            sys.executable,
            "-m",
            "carehub.cli",
            "generate",
            "--members",
            str(args.members),
            "--seed",
            str(args.seed),
            "--format",
            args.format,
            "--months",
            str(args.months),
            "--out",
            str(out),
            "--quiet",
        ]
        started = time.perf_counter()
        subprocess.run(command, check=True)
        wall = time.perf_counter() - started
        # ru_maxrss is in kilobytes on Linux.
        peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
        manifest = json.loads((out / "manifest.json").read_text())
        sizes = {p.name: p.stat().st_size for p in sorted(out.iterdir())}
    load_after = os.getloadavg()

    counts = manifest["row_counts"]
    print(f"members            {args.members:,} ({args.format}, {args.months} months)")
    print(f"wall time          {wall:.1f} s   (limit {TIME_LIMIT_S:.0f} s)")
    print(f"peak RSS           {peak_gb:.2f} GB (limit {RSS_LIMIT_GB:.0f} GB)")
    for name, rows in counts.items():
        print(f"{name + ' rows':<18} {rows:,}")
    print(f"lines per member   {counts['claims'] / args.members:.1f}")
    for name, size in sizes.items():
        print(f"{name:<18} {size / 1024**2:,.1f} MiB")
    print(
        f"load average       {load_before[0]:.2f} before, {load_after[0]:.2f} after "
        f"({os.cpu_count()} cores)"
    )
    ok = wall < TIME_LIMIT_S and peak_gb < RSS_LIMIT_GB
    print("result             " + ("within limits" if ok else "OVER LIMIT"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
