"""Peak memory of the browser upload path for a roster just under the 50 MB limit.

    .venv/bin/python bench/upload_memory.py [--mb 49.9] [--bad-last-row]

Writes a synthetic roster CSV of about `--mb` megabytes, then, in a child process (so
the figures are that upload's alone), hands it to `referrals.uploads._read_upload` as
Django's upload handler would (a TemporaryUploadedFile on disk) and checks every row with
`members.imports.parse_roster`, which is what the upload page does before any write.
With `--bad-last-row` the last row is wrong, so the upload is refused after every row was
read (the case a hostile or careless upload costs most). Prints the child's peak RSS
and, with `--trace`, the tracemalloc peak (Python allocations; measured in a separate
run because tracemalloc's own bookkeeping inflates RSS).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = ("member_id,first_name,last_name,birth_date,sex,product,enroll_start,race,ethnicity,"
          "language,address,city,county,state,zip,pcp_npi,risk_score,enroll_end,hospice\n")


def write_roster(path: Path, megabytes: float, bad_last_row: bool) -> int:
    target = int(megabytes * 1_000_000)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        size = len(HEADER)
        while True:
            line = (f"NS{rows:09d},Firstname{rows % 997},Lastname{rows % 1009},"
                    f"19{40 + rows % 60}-0{1 + rows % 9}-1{rows % 9},{'FMU'[rows % 3]},"
                    f"medicaid,2025-01-01,White,Not Hispanic,English,"
                    f"{rows % 9999} Main Street,Buffalo,\"Erie, NY\",NY,14201,1234567893,"
                    f"1.{rows % 100:02d},,false\n")
            if size + len(line) > target:
                break
            out.write(line)
            size += len(line)
            rows += 1
        if bad_last_row:
            out.write("BAD,Ada,Last,not-a-date,F,medicaid,2025-01-01,,,,,,,,,,,,\n")
            rows += 1
    return rows


def child(path: str, trace: bool) -> None:
    import resource
    import tracemalloc

    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carehub.settings")
    import django

    django.setup()
    from django.core.files.uploadedfile import TemporaryUploadedFile

    from carehub.members.imports import ImportProblem, parse_roster
    from carehub.referrals.uploads import _read_upload

    size = os.path.getsize(path)
    upload = TemporaryUploadedFile("roster.csv", "text/csv", size, "utf-8")
    with open(path, "rb") as source:  # what Django's TemporaryFileUploadHandler does
        while chunk := source.read(64 * 1024):
            upload.write(chunk)
    upload.seek(0)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
    refused = ""
    rows = 0
    try:
        table, _ = _read_upload(upload)
        rows = len(table)
        parse_roster("roster.csv", table)
    except ImportProblem as exc:
        refused = exc.describe().splitlines()[0]
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"bytes": size, "rows": rows, "refused": refused,
                      **({"tracemalloc_peak_mb": round(peak / 1e6, 1)} if trace else {}),
                      "rss_before_mb": round(before / 1e3, 1),
                      "rss_peak_mb": round(after / 1e3, 1)}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=49.9)
    parser.add_argument("--bad-last-row", action="store_true")
    parser.add_argument("--trace", action="store_true",
                        help="also measure with tracemalloc (slower; its own bookkeeping "
                             "inflates the RSS figure)")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.trace)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roster.csv"
        rows = write_roster(path, args.mb, args.bad_last_row)
        print(f"roster: {rows:,} rows, {path.stat().st_size / 1e6:.1f} MB", flush=True)
        env = {**os.environ, "DATABASE_URL": "", "CAREHUB_VAR": folder}
        command = [sys.executable, __file__, "--child", str(path)]
        subprocess.run(command + (["--trace"] if args.trace else []), check=True, env=env)


if __name__ == "__main__":
    main()
