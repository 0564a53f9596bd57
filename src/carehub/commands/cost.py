"""`carehub cost`: member-months, allowed PMPM and utilisation, period beside baseline."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

from carehub.analytics.cost import CostReport, run_cost
from carehub.analytics.engines import ENGINES, EngineError, connect
from carehub.analytics.extracts import ExtractError, Workspace, extract, load_mapping
from carehub.analytics.files import OutputError, check_output, write_text_atomic
from carehub.core.textinput import TextInputError, read_text

ROWS = [
    ("members", "members"),
    ("member_months", "member-months"),
    ("allowed", "allowed"),
    ("truncation_point", "truncated at (per member)"),
    ("allowed_truncated", "allowed, truncated"),
    ("allowed_pmpm", "allowed PMPM"),
    ("allowed_pmpm_untruncated", "allowed PMPM, untruncated"),
    ("ed_visits", "ED visits"),
    ("ed_per_1000", "ED visits per 1,000 member-years"),
    ("inpatient_stays", "inpatient stays"),
    ("inpatient_per_1000", "inpatient stays per 1,000 member-years"),
]


class UsageError(ValueError):
    pass


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from exc


def _percentile(text: str) -> Fraction:
    try:
        value = Fraction(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from exc
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError("the percentile must be in (0, 100]")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="carehub cost", description=__doc__)
    parser.add_argument("--roster", required=True, type=Path)
    parser.add_argument("--claims", required=True, type=Path)
    parser.add_argument(
        "--members", type=Path, help="member ids, one a line, or a CSV with member_id"
    )
    parser.add_argument("--from", dest="start", required=True, type=_date)
    parser.add_argument("--to", dest="end", required=True, type=_date)
    parser.add_argument("--baseline-from", type=_date)
    parser.add_argument("--baseline-to", type=_date)
    parser.add_argument("--by", choices=["month"])
    parser.add_argument("--percentile", type=_percentile, default=Fraction(99), help="default 99")
    parser.add_argument("--engine", choices=ENGINES, default="duckdb")
    parser.add_argument("--mapping", type=Path)
    parser.add_argument("--out", type=Path, help="write the figures as JSON")
    return parser


def read_members(path: Path) -> list[str]:
    """Ids from a list, one a line, or from the member_id column of a CSV (a ranked list)."""
    try:
        text = read_text(path, encoding="utf-8-sig")
    except TextInputError as exc:
        raise UsageError(f"{path}: {exc}") from None
    lines = text.splitlines()
    if lines and "member_id" in next(csv.reader([lines[0]])):
        return [
            row["member_id"].strip() for row in csv.DictReader(lines) if row["member_id"].strip()
        ]
    return [line.strip() for line in lines if line.strip()]


def table_text(report: CostReport) -> str:
    period = report.as_dict()["period"]
    baseline = report.as_dict()["baseline"]
    head = f"{period['from']}..{period['to']}"
    lines = [
        f"{'':<40} {head:>24}"
        + (f" {baseline['from'] + '..' + baseline['to']:>24}" if baseline else "")
    ]
    for key, label in ROWS:
        line = f"{label:<40} {_shown(period[key]):>24}"
        if baseline:
            line += f" {_shown(baseline[key]):>24}"
        lines.append(line)
    for month in period.get("months", []):
        lines.append(
            f"  {month['month']}: {month['member_months']} member-months, "
            f"PMPM {_shown(month['allowed_pmpm_untruncated'])} (untruncated), "
            f"ED {_shown(month['ed_per_1000'])}, IP {_shown(month['inpatient_per_1000'])} per 1,000"
        )
    return "\n".join(lines)


def _shown(value: Any) -> str:
    return "-" if value is None else str(value)


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        if (args.baseline_from is None) != (args.baseline_to is None):
            raise UsageError("give both --baseline-from and --baseline-to")
        for start, end in ((args.start, args.end), (args.baseline_from, args.baseline_to)):
            if start is not None and end is not None and start > end:
                raise UsageError(f"period {start}..{end} ends before it starts")
        if args.out is not None:
            check_output(args.out)
        baseline = (args.baseline_from, args.baseline_to) if args.baseline_from else None
        members = read_members(args.members) if args.members else None
        mapping = load_mapping(args.mapping)
        with Workspace(connect(args.engine)) as ws:
            report = run_cost(
                ws,
                extract("roster", args.roster, mapping),
                extract("claims", args.claims, mapping),
                (args.start, args.end),
                baseline,
                members,
                args.percentile,
                by_month=args.by == "month",
            )
        if args.out:
            write_text_atomic(args.out, json.dumps(report.as_dict(), indent=2) + "\n")
    except (UsageError, ExtractError, EngineError, OutputError, ValueError) as exc:
        print(f"carehub cost: {exc}", file=sys.stderr)
        return 2
    print(table_text(report))
    return 0
