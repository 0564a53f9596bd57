"""Documents of a submission: the lines as CSV, and an aggregate invoice as PDF (fpdf2) and
CSV.

What a claim or invoice carries flows under the contract and its BAA for payment and needs
no member data-sharing consent, so it carries nothing beyond the minimum: ids, codes,
units, dates and amounts. The writers here take `DocLine`s, which hold only those fields
(the plan's member id, never a name, a note or a screening answer).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from fpdf import FPDF

from carehub.core.spreadsheet import safe_cell

CSV_COLUMNS = ("bill", "line", "member_id", "cbo", "service_date", "service_code", "hcpcs",
               "modifiers", "units", "rate", "amount", "place_of_service", "diagnosis_codes")


@dataclass(frozen=True)
class DocLine:
    """One billed line, as a payment document shows it."""

    bill: str
    line: str
    member_id: str  # the plan's member id
    cbo: str
    service_date: date
    service_code: str
    hcpcs: str
    modifiers: str
    units: int
    rate: Decimal
    amount: Decimal
    place_of_service: str
    diagnosis_codes: str


@dataclass(frozen=True)
class InvoiceDoc:
    number: str
    contract: str
    period: str
    cbo: str
    cbo_ids: str  # "NPI 1234567893" or "Payer id MCD-1"
    hub: str
    payer: str
    submitted: date
    lines: tuple[DocLine, ...]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))


def lines_csv(lines: Iterable[DocLine]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for line in lines:
        writer.writerow([safe_cell(value) for value in (
            line.bill, line.line, line.member_id, line.cbo, line.service_date.isoformat(),
            line.service_code, line.hcpcs, line.modifiers, line.units,
            show_rate(line.rate),
            str(line.amount), line.place_of_service, line.diagnosis_codes)])
    return out.getvalue()


def show_rate(rate: Decimal) -> str:
    """A rate in cents when it has no more, else with its four decimals."""
    cents = rate.quantize(Decimal("0.01"))
    return str(cents) if cents == rate else str(rate)


def summary(lines: Sequence[DocLine]) -> list[tuple[str, int, int, Decimal]]:
    """(service and code, lines, units, amount) per service, in code order."""
    groups: dict[str, list[DocLine]] = defaultdict(list)
    for line in lines:
        code = "-".join(p for p in (line.hcpcs, *line.modifiers.split()) if p)
        groups[f"{line.service_code} {code}".strip()].append(line)
    return [(key, len(group), sum(g.units for g in group),
             sum((g.amount for g in group), Decimal("0.00")))
            for key, group in sorted(groups.items())]


def invoice_csv(doc: InvoiceDoc) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["invoice", doc.number])
    writer.writerow(["contract", safe_cell(doc.contract)])
    writer.writerow(["period", doc.period])
    writer.writerow(["cbo", safe_cell(doc.cbo)])
    writer.writerow(["hub", safe_cell(doc.hub)])
    writer.writerow(["payer", safe_cell(doc.payer)])
    writer.writerow([])
    writer.writerow(["service", "lines", "units", "amount"])
    for key, count, units, amount in summary(doc.lines):
        writer.writerow([safe_cell(key), count, units, str(amount)])
    writer.writerow(["total", len(doc.lines), sum(line.units for line in doc.lines),
                     str(doc.total)])
    writer.writerow([])
    return out.getvalue() + lines_csv(doc.lines)


def _latin(text: str) -> str:
    # The core fonts are Latin-1; anything else is shown as "?" rather than failing.
    return text.encode("latin-1", "replace").decode("latin-1")


def invoice_pdf(doc: InvoiceDoc) -> bytes:
    pdf = FPDF(format="Letter")
    pdf.set_title(f"Invoice {doc.number}")
    pdf.set_creator("carehub")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _latin(f"Invoice {doc.number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for label, value in (("From", f"{doc.cbo} ({doc.cbo_ids})"), ("Through", doc.hub),
                         ("To", doc.payer), ("Contract", doc.contract),
                         ("Month", doc.period), ("Submitted", doc.submitted.isoformat())):
        pdf.cell(30, 6, label)
        pdf.cell(0, 6, _latin(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 10)
    widths = (90, 25, 25, 40)
    for text, width in zip(("Service", "Lines", "Units", "Amount"), widths, strict=True):
        pdf.cell(width, 7, text, border="B", align="L" if text == "Service" else "R")
    pdf.ln()
    pdf.set_font("Helvetica", "", 10)
    for key, count, units, amount in summary(doc.lines):
        for text, width, align in ((key, 90, "L"), (str(count), 25, "R"), (str(units), 25, "R"),
                                   (str(amount), 40, "R")):
            pdf.cell(width, 6, _latin(text), align=align)
        pdf.ln()
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(140, 8, "Total", border="T")
    pdf.cell(40, 8, str(doc.total), border="T", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 9)
    heads = (("Member id", 40), ("Date", 25), ("Service", 25), ("Code", 35), ("Units", 20),
             ("Amount", 35))
    for text, width in heads:
        pdf.cell(width, 6, text, border="B")
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for line in doc.lines:
        code = "-".join(p for p in (line.hcpcs, *line.modifiers.split()) if p)
        for text, width in ((line.member_id, 40), (line.service_date.isoformat(), 25),
                            (line.service_code, 25), (code, 35), (str(line.units), 20),
                            (str(line.amount), 35)):
            pdf.cell(width, 5, _latin(text))
        pdf.ln()
    return bytes(pdf.output())
