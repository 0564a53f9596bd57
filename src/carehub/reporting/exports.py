"""Every reporting table downloads the same way: CSV, or Excel with the measure
definitions on a second sheet, so a figure never leaves without what it means.

Cells go through `safe_cell` in both formats: a value that a spreadsheet would run as a
formula is kept as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

from carehub.core.spreadsheet import safe_row

FORMATS = ("csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(safe_row(header))
    for row in rows:
        writer.writerow(safe_row(row))
    return out.getvalue().encode("utf-8")


def xlsx_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]], *,
               definitions: Sequence[tuple[str, str]] = ()) -> bytes:
    """One sheet of data (bold header, frozen first row) and, when given, a "Definitions"
    sheet of (term, meaning) pairs."""
    book = Workbook(write_only=False)
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = title[:31] or "Data"
    sheet.append(safe_row(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append(safe_row(row))
    if definitions:
        terms = book.create_sheet("Definitions")
        terms.append(["Term", "Definition"])
        for cell in terms[1]:
            cell.font = Font(bold=True)
        for term, meaning in definitions:
            terms.append(safe_row([term, meaning]))
        terms.column_dimensions["A"].width = 32
        terms.column_dimensions["B"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def table_download(name: str, fmt: str, header: Sequence[str], rows: Iterable[Sequence[Any]], *,
                   definitions: Sequence[tuple[str, str]] = ()) -> HttpResponse:
    """The table as an attachment `name.csv` or `name.xlsx`; `fmt` must be in FORMATS
    (the view answers 404 otherwise)."""
    if fmt == "xlsx":
        body, content_type = xlsx_bytes(name, header, rows, definitions=definitions), XLSX
    else:
        body, content_type = csv_bytes(header, rows), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
