"""`carehub screen --instrument ahc-hrsn ANSWERS.json`: score one answer sheet."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from carehub.core.screening import INSTRUMENTS, ScreeningError, score


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
        answers = json.loads(args.answers.read_text(encoding="utf-8"))
    except OSError as exc:
        print(f"carehub screen: {args.answers}: {exc.strerror}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as exc:
        print(
            f"carehub screen: {args.answers}: not JSON (line {exc.lineno}): {exc.msg}",
            file=sys.stderr,
        )
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
