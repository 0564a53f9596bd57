"""A CBO's statement and remittance advice from its hub, as PDF and CSV.

Both are written from the payout's stored document (its lines and arithmetic), so what
the CBO downloads is what was issued. Minimum necessary for payment: bill numbers,
dates, codes, units and amounts; no member names, notes or screening answers.
"""

from __future__ import annotations

import io
from typing import Any

from fpdf import FPDF

from carehub.billing.models import CboPayout
from carehub.core.spreadsheet import SafeWriter

CSV_COLUMNS = ("line_id", "bill", "service_date", "service_code", "hcpcs", "units", "basis",
               "previously", "gross", "fee", "net")


def payout_csv(payout: CboPayout) -> str:
    """One row per line, then the totals."""
    out = io.StringIO()
    writer = SafeWriter(out)  # codes come from terms and uploads: never formulas
    writer.writerow(CSV_COLUMNS)
    for line in payout.document.get("lines", []):
        writer.writerow([line.get(column, "") for column in CSV_COLUMNS])
    writer.writerow(["total", "", "", "", "", "", "", "", str(payout.gross), str(payout.fee),
                     str(payout.net)])
    return out.getvalue()


def _text(value: Any) -> str:
    # The core PDF fonts are Latin-1: anything else is replaced, never an error.
    return str(value).encode("latin-1", "replace").decode("latin-1")


def payout_pdf(payout: CboPayout) -> bytes:
    """The remittance advice: who pays whom, for what, the lines and the arithmetic, the
    payment status."""
    doc = payout.document
    pdf = FPDF(orientation="P", unit="mm", format="Letter")
    pdf.set_title(_text(f"Remittance advice {payout.period} #{payout.sequence}"))
    pdf.set_author(_text(payout.hub.name))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, _text(f"Statement and remittance advice {payout.period}"
                         f"{' (adjustment #' + str(payout.sequence) + ')' if payout.sequence > 1 else ''}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    status = (f"Paid on {payout.paid_on:%Y-%m-%d}, reference {payout.payment_reference}"
              if payout.paid_on else "Issued, not paid yet")
    for label, value in (("From", payout.hub.name), ("To", payout.cbo.name),
                         ("Contract", f"{payout.contract.code} {payout.contract.name}"),
                         ("Issued", f"{payout.issued_at:%Y-%m-%d}"), ("Status", status),
                         ("Hub fee", f"{payout.fee_percent}%")):
        pdf.cell(30, 6, _text(label))
        pdf.cell(0, 6, _text(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    widths = (26, 22, 22, 16, 12, 22, 22, 22, 22)
    heads = ("Bill", "Date", "Service", "HCPCS", "Units", "Basis", "Gross", "Fee", "Net")
    pdf.set_font("Helvetica", "B", 9)
    for width, head in zip(widths, heads, strict=True):
        pdf.cell(width, 6, head, border=1, align="R" if head in ("Units", "Gross", "Fee", "Net") else "L")
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for line in doc.get("lines", []):
        values = (line.get("bill", ""), line.get("service_date", ""),
                  line.get("service_code", ""), line.get("hcpcs", ""), line.get("units", ""),
                  line.get("basis", ""), line["gross"], line["fee"], line["net"])
        for width, head, value in zip(widths, heads, values, strict=True):
            pdf.cell(width, 6, _text(value)[:20], border=1,
                     align="R" if head in ("Units", "Gross", "Fee", "Net") else "L")
        pdf.ln()
    pdf.set_font("Helvetica", "B", 9)
    pdf.cell(sum(widths[:6]), 6, "Total", border=1)
    for width, total in zip(widths[6:], (payout.gross, payout.fee, payout.net), strict=True):
        pdf.cell(width, 6, str(total), border=1, align="R")
    pdf.ln(10)
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(0, 5, _text(doc.get("arithmetic", "")))
    return bytes(pdf.output())
