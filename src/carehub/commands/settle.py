"""`carehub settle TERMS ACTIVITY [--format json|table] [--previous STATEMENT …]`

Prints the period's statement (JSON by default). With `--previous`, prints only the
adjustment lines against the statements already issued for that period.
Exit 0 on success, 2 on invalid input with one line per problem on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from carehub.core import textinput
from carehub.core.activity import ActivityError, load_activity
from carehub.core.settlement import SettlementError, StatementError, load_statement, settle
from carehub.core.terms import TermsError, parse_terms_text
from carehub.core.textinput import TextInputError
from carehub.core.validation import InputError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse exits 2 too; keep its message short
        self.print_usage(sys.stderr)
        print(f"carehub settle: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="carehub settle",
                     description="Settle one period of a contract: terms + activity → statement.")
    parser.add_argument("terms", help="contract terms, YAML or JSON")
    parser.add_argument("activity", help="the period's activity, JSON")
    parser.add_argument("--format", choices=("json", "table"), default="json")
    parser.add_argument("--previous", action="append", default=[], metavar="STATEMENT",
                        help="statement already issued for the period (JSON); repeat for "
                             "earlier adjustments. Prints only the adjustment lines.")
    return parser


def read_text(path: str) -> str:
    try:
        return textinput.read_text(path)
    except TextInputError as exc:
        raise InputError([("", str(exc))], path) from None


def read_json(path: str) -> Any:
    text = read_text(path)
    try:
        return textinput.parse_json(text)
    except TextInputError as exc:
        raise InputError([("", str(exc))], path) from None


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        terms = parse_terms_text(read_text(args.terms), args.terms)
        try:
            activity = load_activity(read_json(args.activity))
        except ActivityError as exc:
            raise ActivityError(exc.errors, args.activity) from None
        previous = []
        for path in args.previous:
            try:
                previous.append(load_statement(read_json(path), path))
            except StatementError as exc:
                raise StatementError(exc.errors, path) from None
        try:
            statement = settle(terms, activity, previous or None)
        except SettlementError as exc:
            raise SettlementError(exc.errors, f"{args.terms} + {args.activity}") from None
    except (TermsError, ActivityError, StatementError, SettlementError, InputError) as exc:
        print(exc.describe(), file=sys.stderr)
        return 2
    if args.format == "table":
        print(statement.to_table())
    else:
        print(json.dumps(statement.to_json_dict(), indent=2, ensure_ascii=False))
    return 0
