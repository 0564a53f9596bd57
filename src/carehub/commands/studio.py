"""`carehub studio TERMS [TERMS …] --simulate volume=DIST --simulate cost_per_unit=DIST
[--runs 10000] [--seed S] [--chart FILE.svg] [--format table|json]`

A Monte Carlo year for each candidate terms file: the payer's expected cost with its
5th–95th percentile, the provider's expected margin with its 5th percentile, and the
probability that the provider loses money. Exit 0 on success, 2 on invalid input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from carehub.commands.settle import read_text
from carehub.core.studio import (
    VARIABLES,
    Distribution,
    StudioError,
    compare,
    parse_distribution,
    render_svg,
)
from carehub.core.terms import TermsError, parse_terms_text
from carehub.core.validation import InputError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        print(f"carehub studio: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    variables = "; ".join(f"{name}: {meaning}" for name, (meaning, _) in VARIABLES.items())
    parser = _Parser(prog="carehub studio",
                     description="Simulate a year under each candidate terms file and compare "
                                 "the risk to payer and provider.",
                     epilog=f"Variables — {variables}. DIST is normal:MEAN,SD, uniform:LO,HI, "
                            "triangular:LO,MODE,HI, lognormal:MU,SIGMA, poisson:LAMBDA or "
                            "fixed:X.")
    parser.add_argument("terms", nargs="+", help="candidate terms files (YAML or JSON)")
    parser.add_argument("--simulate", action="append", default=[], metavar="NAME=DIST",
                        help="distribution of a variable, e.g. volume=normal:2600,400")
    parser.add_argument("--runs", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--chart", metavar="FILE.svg", help="write a side-by-side chart")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    return parser


def parse_simulations(items: list[str]) -> dict[str, Distribution]:
    errors: list[tuple[str, str]] = []
    result: dict[str, Distribution] = {}
    for item in items:
        name, sep, text = item.partition("=")
        where = f"--simulate {item}"
        if not sep or name not in VARIABLES:
            errors.append((where, f"expected NAME=DIST with NAME one of: {', '.join(VARIABLES)}"))
            continue
        try:
            result[name] = parse_distribution(text)
        except ValueError as exc:
            errors.append((where, str(exc)))
    if errors:
        raise StudioError(errors)
    return result


def write_atomically(path: Path, text: str) -> None:
    """Write next to the target, then rename: no half-written chart is ever left behind."""
    handle, temporary = tempfile.mkstemp(dir=path.parent or Path("."), prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def format_table(rows: list[tuple[str, dict[str, float]]], runs: int) -> str:
    header = ("terms", "payer cost", "P5", "P95", "provider margin", "margin P5", "P(loss)")
    body = [(name, f"{s['payer_cost_mean']:,.2f}", f"{s['payer_cost_p5']:,.2f}",
             f"{s['payer_cost_p95']:,.2f}", f"{s['provider_margin_mean']:,.2f}",
             f"{s['provider_margin_p5']:,.2f}", f"{s['provider_loss_probability']:.1%}")
            for name, s in rows]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i])
                       for i, cell in enumerate(row)) for row in [header, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append(f"{runs:,} simulated years per candidate; payer cost = payments; provider "
                 "margin = payments − cost of delivering")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.runs < 1:
            raise StudioError([("--runs", f"must be at least 1, got {args.runs}")])
        overrides = parse_simulations(args.simulate)
        candidates = [(Path(path).name, parse_terms_text(read_text(path), path))
                      for path in args.terms]
        try:
            outcomes = compare(candidates, overrides, args.runs, args.seed)
        except StudioError as exc:
            raise StudioError(exc.errors, "studio") from None
        if args.chart:
            chart = Path(args.chart)
            if not chart.parent.is_dir():
                raise InputError([("--chart", f"folder {chart.parent} does not exist")])
            if chart.is_dir():
                raise InputError([("--chart", f"{chart} is a folder; give a file name")])
            try:
                write_atomically(chart, render_svg(outcomes))
            except OSError as exc:
                raise InputError([("--chart", f"{chart}: cannot write: {exc.strerror or exc}")]
                                 ) from None
    except (TermsError, StudioError, InputError) as exc:
        print(exc.describe(), file=sys.stderr)
        return 2
    rows = [(outcome.name, outcome.summary()) for outcome in outcomes]
    if args.format == "json":
        print(json.dumps({"runs": args.runs, "seed": args.seed,
                          "candidates": [{"terms": name, **stats} for name, stats in rows]},
                         indent=2))
    else:
        print(format_table(rows, args.runs))
    return 0
