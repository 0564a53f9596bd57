"""`carehub measure sns-e`: HEDIS Social Need Screening and Intervention rates."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from carehub.analytics.engines import ENGINES, EngineError, connect
from carehub.analytics.extracts import ExtractError, Workspace, extract, load_mapping
from carehub.analytics.files import OutputError, check_output, csv_text, write_text_atomic
from carehub.analytics.measures import DOMAINS, Rate, load_value_sets, run_sns_e

KNOWN = ("sns-e",)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="carehub measure sns-e", description=__doc__)
    parser.add_argument("--roster", required=True, type=Path)
    parser.add_argument("--screenings", required=True, type=Path)
    parser.add_argument("--interventions", required=True, type=Path)
    parser.add_argument("--year", required=True, type=int)
    parser.add_argument("--engine", choices=ENGINES, default="duckdb")
    parser.add_argument("--mapping", type=Path)
    parser.add_argument("--valuesets", type=Path, help="folder with the plan's own value sets")
    parser.add_argument("--out", type=Path, help="write the rates as CSV")
    return parser


def rates_csv(rates: list[Rate]) -> str:
    header = ["stratum_kind", "stratum", "measure", "denominator", "numerator", "rate"]
    return csv_text(
        header,
        (
            [r.stratum_kind, r.stratum, r.measure, r.denominator, r.numerator, r.rate or ""]
            for r in rates
        ),
    )


def rates_text(rates: list[Rate]) -> str:
    lines = [f"{'stratum':<24} {'measure':<26} {'numerator':>10} {'denominator':>12} {'rate %':>8}"]
    for r in rates:
        stratum = "all members" if r.stratum_kind == "all" else f"{r.stratum_kind} {r.stratum}"
        lines.append(
            f"{stratum:<24} {r.measure:<26} {r.numerator:>10} {r.denominator:>12} {r.rate or '-':>8}"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in KNOWN:
        name = argv[0] if argv else ""
        print(
            f"carehub measure: unknown measure {name!r} (known: {', '.join(KNOWN)})",
            file=sys.stderr,
        )
        return 2
    args = build_parser().parse_args(argv[1:])
    try:
        if args.out is not None:
            check_output(args.out)
        sets = load_value_sets(args.valuesets)
        mapping = load_mapping(args.mapping)
        with Workspace(connect(args.engine)) as ws:
            rates = run_sns_e(
                ws,
                extract("roster", args.roster, mapping),
                extract("screenings", args.screenings, mapping),
                extract("interventions", args.interventions, mapping),
                args.year,
                sets,
            )
        if args.out:
            write_text_atomic(args.out, rates_csv(rates))
    except (ExtractError, EngineError, OutputError) as exc:
        print(f"carehub measure: {exc}", file=sys.stderr)
        return 2
    for domain in DOMAINS:
        if not any(c.domain == domain for c in sets.interventions):
            print(
                f"carehub measure: note: no {domain} intervention codes loaded; its intervention "
                "rate counts none (give the plan's value sets with --valuesets)",
                file=sys.stderr,
            )
    print(rates_text(rates))
    return 0
