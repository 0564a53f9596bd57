"""`carehub screen --instrument ahc-hrsn ANSWERS.json`: score one answer sheet."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from carehub.core.screening import INSTRUMENTS, ScreeningError, score
from carehub.core.textinput import TextInputError, parse_json, read_text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="carehub screen", description="Score a coded social-needs screening."
    )
    parser.add_argument("--instrument", required=True, help=", ".join(sorted(INSTRUMENTS)))
    parser.add_argument("answers", type=Path, help='JSON: {"71802-3": "LA31994-9", ...}')
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    instrument = INSTRUMENTS.get(args.instrument)
    if instrument is None:
        print(
            f"carehub screen: unknown instrument {args.instrument!r} "
            f"(known: {', '.join(sorted(INSTRUMENTS))})",
            file=sys.stderr,
        )
        return 2
    try:
        answers = parse_json(read_text(args.answers))
    except TextInputError as exc:
        print(f"carehub screen: {args.answers}: {exc}", file=sys.stderr)
        return 2
    if not isinstance(answers, dict):
        print(
            f"carehub screen: {args.answers}: expected an object of item: answer", file=sys.stderr
        )
        return 2
    try:
        result = score(instrument, answers)
    except ScreeningError as exc:
        print(f"carehub screen: {args.answers}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result.as_dict()))
    return 0
