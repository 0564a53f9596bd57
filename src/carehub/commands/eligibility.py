"""`carehub eligibility`: the ranked list of eligible members and its equity summary."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from carehub.analytics.eligibility import EQUITY_DIMENSIONS, EligibilityResult, run_eligibility
from carehub.analytics.engines import ENGINES, EngineError, connect
from carehub.analytics.extracts import ExtractError, Workspace, extract, load_mapping
from carehub.analytics.files import (
    OutputError,
    cell,
    check_output,
    csv_text,
    write_texts_atomic,
)
from carehub.core.eligibility import Criteria, CriteriaError, parse_criteria
from carehub.core.textinput import TextInputError, parse_yaml, read_text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="carehub eligibility",
        description="Rank the members who meet a criteria file; print the equity summary.",
    )
    parser.add_argument("--roster", required=True, type=Path)
    parser.add_argument("--claims", required=True, type=Path)
    parser.add_argument("--criteria", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path, help="ranked list (CSV)")
    parser.add_argument("--engine", choices=ENGINES, default="duckdb")
    parser.add_argument("--mapping", type=Path, help="plan column names -> carehub's (YAML)")
    parser.add_argument("--summary", type=Path, help="write the summary as JSON too")
    return parser


def load_criteria(path: Path) -> Criteria:
    try:
        data = parse_yaml(read_text(path))
    except TextInputError as exc:
        raise CriteriaError(f"{path}: {exc}") from None
    try:
        return parse_criteria(data)
    except CriteriaError as exc:
        raise CriteriaError(f"{path}: {exc}") from exc


def ranked_csv(result: EligibilityResult) -> str:
    measures = list(result.criteria.rank_measures)
    header = ["member_id", "rank", "selected", "reasons", *measures]
    rows = (
        [m.member_id, m.rank, cell(m.selected), m.reasons, *(cell(m.measures[k]) for k in measures)]
        for m in result.ranked
    )
    return csv_text(header, rows)


def _percent(share: str | None) -> str:
    return "-" if share is None else f"{float(share) * 100:.1f}%"


def summary_text(result: EligibilityResult) -> str:
    lines = [
        f"population: {result.criteria.population} (as of {result.criteria.as_of.isoformat()})",
        f"members read: {result.members_read}",
        f"members eligible: {result.members_eligible}",
        f"members selected: {result.members_selected}",
    ]
    for dimension in EQUITY_DIMENSIONS:
        lines.append(f"{dimension:<28} {'eligible':>16} {'selected':>16}")
        for entry in result.equity[dimension]:
            eligible = f"{_percent(entry['eligible_share'])} ({entry['eligible']})"
            selected = f"{_percent(entry['selected_share'])} ({entry['selected']})"
            lines.append(f"  {entry['value'][:26]:<26} {eligible:>16} {selected:>16}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        for output in (args.out, args.summary):
            if output is not None:
                check_output(output)
        criteria = load_criteria(args.criteria)
        mapping = load_mapping(args.mapping)
        with Workspace(connect(args.engine)) as ws:
            result = run_eligibility(
                ws,
                extract("roster", args.roster, mapping),
                extract("claims", args.claims, mapping),
                criteria,
            )
        outputs = [(args.out, ranked_csv(result))]
        if args.summary:
            outputs.append((args.summary, json.dumps(result.summary(), indent=2) + "\n"))
        write_texts_atomic(outputs)
    except (CriteriaError, ExtractError, EngineError, OutputError) as exc:
        print(f"carehub eligibility: {exc}", file=sys.stderr)
        return 2
    print(summary_text(result))
    return 0
