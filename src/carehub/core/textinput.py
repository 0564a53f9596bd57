"""Reading the text files people hand to the command line, with one-line problems.

Every reader here turns what can go wrong with a file (missing, a folder, not UTF-8,
not JSON/YAML, nested deeper than the parser can follow) into `TextInputError`, whose
message is a single line that does not repeat the file name; callers add it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml


class TextInputError(ValueError):
    """What is wrong with a file, in one line (without the file's name)."""


TOO_DEEP = "nested too deeply to read"


def read_text(path: Path | str, encoding: str = "utf-8") -> str:
    path = Path(path)
    if path.is_dir():
        raise TextInputError("is a folder, not a file")
    try:
        return path.read_text(encoding=encoding)
    except FileNotFoundError:
        raise TextInputError("no such file") from None
    except OSError as exc:
        raise TextInputError(f"cannot read file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise TextInputError(f"not UTF-8 text (byte {exc.start + 1} cannot be decoded)") from None


def parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TextInputError(
            f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise TextInputError(TOO_DEEP) from None
    except ValueError as exc:  # e.g. an integer longer than Python converts
        raise TextInputError(f"not valid JSON: {str(exc).split(';')[0]}") from None


def parse_yaml(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TextInputError(f"not valid YAML: {yaml_problem(exc)}") from None
    except RecursionError:
        raise TextInputError(TOO_DEEP) from None


def yaml_problem(exc: yaml.YAMLError) -> str:
    """PyYAML's multi-line message as one line: the problem and where it is."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "cannot parse"
        if mark is not None:
            return f"{problem} at line {mark.line + 1} column {mark.column + 1}"
        return str(problem)
    return " ".join(str(exc).split())
