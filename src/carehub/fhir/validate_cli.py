"""`carehub fhir validate PATH...`: check FHIR resource files against base R4 and the
SDOHCC profiles they claim.

PATH is a .json file (a resource, or a Bundle whose entries are checked one by one), a
.ndjson file (one resource a line) or a folder of them (searched recursively). One line
per problem:

    examples/task.json:Task/abc: Task.status: is required (cardinality 1..) and missing
    data/bulk.ndjson:12:Condition/7: Condition.code: minimum cardinality is 1, found 0 ...

Exit status 1 when there is any error, else "N resources, all valid". Warnings (the
deviations the IG's own examples make) are printed and do not fail the run.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

SUFFIXES = (".json", ".ndjson")


def add_validate_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "validate", help="check FHIR resource files (.json, .ndjson, folders) against base "
                         "R4 and the SDOHCC profiles")
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.set_defaults(handler=_handler)
    return parser


add_parser = add_validate_parser


def _handler(command: Any, options: dict[str, Any]) -> None:
    status = run(options, out=command.stdout)
    if status:
        sys.exit(status)


def _files(paths: list[str], out: list[str]) -> Iterator[Path]:
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
            if not found:
                out.append(f"{path}: no .json or .ndjson files in this folder")
            yield from found
        elif path.is_file():
            yield path
        else:
            out.append(f"{path}: no such file or folder")


def _resources(path: Path) -> Iterator[tuple[str, Any]]:
    """(where, resource) for each resource in a file; where is "file" or "file:line"."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ndjson":
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                yield f"{path}:{number}", json.loads(line)
        return
    resource = json.loads(text)
    yield str(path), resource
    if isinstance(resource, dict) and resource.get("resourceType") == "Bundle":
        for index, entry in enumerate(resource.get("entry") or []):
            if isinstance(entry, dict) and "resource" in entry:
                yield f"{path}#entry[{index}]", entry["resource"]


def _label(resource: Any) -> str:
    if not isinstance(resource, dict):
        return "(not an object)"
    return f"{resource.get('resourceType', '?')}/{resource.get('id', '-')}"


def run(options: dict[str, Any], *, out: TextIO | Any = None) -> int:
    from carehub.fhir.validation import validate

    write = (out or sys.stdout).write
    lines: list[str] = []
    count = errors = warnings = 0
    for path in _files(list(options["paths"]), lines):
        try:
            items = list(_resources(path))
        except (OSError, UnicodeDecodeError) as exc:
            lines.append(f"{path}: cannot read: {exc}")
            continue
        except json.JSONDecodeError as exc:
            lines.append(f"{path}: not JSON: line {exc.lineno} column {exc.colno}: {exc.msg}")
            continue
        for where, resource in items:
            count += 1
            for problem in validate(resource):
                if problem.severity == "warning":
                    warnings += 1
                else:
                    errors += 1
                lines.append(f"{where}:{_label(resource)}: {problem}")
    failed = errors + sum(1 for line in lines if ": cannot read:" in line or ": not JSON:" in line
                          or ": no such file" in line or ": no .json" in line)
    for line in lines:
        write(line + "\n")
    if failed:
        write(f"{count} resources, {errors} problems\n")
        return 1
    note = f" ({warnings} warnings)" if warnings else ""
    write(f"{count} resources, all valid{note}\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone use: python -m carehub.fhir.validate_cli PATH..."""
    parser = argparse.ArgumentParser(prog="carehub fhir validate")
    parser.add_argument("paths", nargs="+", metavar="PATH")
    args = parser.parse_args(argv)
    return run(vars(args))


if __name__ == "__main__":
    sys.exit(main())
