"""`carehub generate`: write a synthetic payer extract and the demo CBO network."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from carehub.demo.generator import (
    DEFAULT_AS_OF,
    FORMATS,
    GenerateError,
    GenerateOptions,
    generate,
)

PROG = "carehub generate"


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    # argparse prints usage over several lines and exits; we want one line and exit 2.
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


def _parser() -> _Parser:
    parser = _Parser(
        prog=PROG,
        description=(
            "Write synthetic roster, claims and screenings extracts (the columns of "
            "population.md), network.json and manifest.json into a new folder."
        ),
    )
    parser.add_argument("--members", required=True, type=int, help="number of members (> 0)")
    parser.add_argument("--seed", required=True, type=int, help="random seed (>= 0)")
    parser.add_argument("--out", required=True, type=Path, help="output folder (created)")
    parser.add_argument("--format", default="parquet", help=f"one of {', '.join(FORMATS)}")
    parser.add_argument(
        "--as-of",
        default=DEFAULT_AS_OF.isoformat(),
        help="last day of the claims window, YYYY-MM-DD (default %(default)s)",
    )
    parser.add_argument(
        "--months", default=12, type=int, help="claims window length in months (default 12)"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace a non-empty output folder"
    )
    parser.add_argument("--quiet", action="store_true", help="print only the summary line")
    return parser


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
        try:
            as_of = date.fromisoformat(args.as_of)
        except ValueError:
            raise _UsageError(f"--as-of must be a date YYYY-MM-DD, got {args.as_of!r}") from None
        options = GenerateOptions(
            members=args.members,
            seed=args.seed,
            fmt=args.format,
            as_of=as_of,
            months=args.months,
        )

        def progress(done: int, total: int) -> None:
            if not args.quiet:
                print(f"  {done:,} / {total:,} members", file=sys.stderr, flush=True)

        manifest = generate(options, args.out, overwrite=args.overwrite, progress=progress)
    except (_UsageError, GenerateError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    counts = manifest["row_counts"]
    print(
        f"wrote {args.out}: {counts['roster']:,} roster rows, {counts['claims']:,} claim lines, "
        f"{counts['screenings']:,} screening answers ({options.fmt}, seed {options.seed})"
    )
    return 0
