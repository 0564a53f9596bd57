"""The meeting pack as PDF (fpdf2, docs/decisions/0011): the same `Pack` the web page
shows, charts drawn from the same SVG strings.

Every text goes through `multi_cell` with the page's full width, so nothing runs past
the margins; long words are broken by fpdf2 itself.
"""

from __future__ import annotations

import io
from typing import Any

from fpdf import FPDF

from carehub.reporting.joc_pack import Pack

MARGIN = 15  # mm, all sides
INK = (31, 41, 51)
MUTED = (90, 104, 115)
RULE = (200, 210, 216)
ACCENT = (15, 98, 128)


def _text(value: Any) -> str:
    # The core PDF fonts are Latin-1: typographic quotes and dashes are mapped, anything
    # else is replaced, never an error.
    text = str(value)
    for src, dst in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'),
                     ("\u2013", "-"), ("\u2014", "-"), ("\u2026", "..."), ("\u00f7", "/"),
                     ("\u2192", "->"), ("\u2265", ">="), ("\u2264", "<=")):
        text = text.replace(src, dst)
    return text.encode("latin-1", "replace").decode("latin-1")


class PackPDF(FPDF):
    def __init__(self, pack: Pack) -> None:
        super().__init__(orientation="P", unit="mm", format="Letter")
        self.pack = pack
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN + 5)
        self.set_title(_text(pack.title))
        self.set_author(_text(pack.committee))

    def footer(self) -> None:
        self.set_y(-MARGIN)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, _text(f"{self.pack.committee} - {self.pack.period} - page "
                              f"{self.page_no()}"), align="C")

    # -- building blocks ---------------------------------------------------------------
    def heading(self, text: str, size: int = 14) -> None:
        if self.get_y() > self.h - MARGIN - 40:
            self.add_page()
        elif self.get_y() > MARGIN + 1:
            self.ln(3)
        self.set_font("Helvetica", "B", size)
        self.set_text_color(*ACCENT)
        self.multi_cell(0, size * 0.5, _text(text), new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(*RULE)
        self.line(MARGIN, self.get_y() + 1, self.w - MARGIN, self.get_y() + 1)
        self.ln(3)
        self.set_text_color(*INK)

    def para(self, text: str, *, size: int = 10, style: str = "", muted: bool = False) -> None:
        self.set_font("Helvetica", style, size)
        self.set_text_color(*(MUTED if muted else INK))
        self.multi_cell(0, size * 0.5, _text(text), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*INK)

    def bullet(self, text: str, size: int = 10) -> None:
        self.set_font("Helvetica", "", size)
        self.set_x(MARGIN + 3)
        self.multi_cell(self.w - 2 * MARGIN - 3, size * 0.5, _text(f"- {text}"),
                        new_x="LMARGIN", new_y="NEXT")

    def grid(self, header: list[str], rows: list[list[str]], widths: list[float]) -> None:
        """A table across the page's full width; `widths` are relative."""
        self.set_font("Helvetica", "", 9)
        with FPDF.table(self, col_widths=tuple(widths), width=self.epw, text_align="LEFT",
                        line_height=5, first_row_as_headings=True) as table:
            head = table.row()
            for cell in header:
                head.cell(_text(cell))
            for row in rows:
                line = table.row()
                for cell in row:
                    line.cell(_text(cell))
        self.ln(3)

    def svg(self, svg: str) -> None:
        width = self.epw
        if self.get_y() > self.h - MARGIN - 80:
            self.add_page()
        # The chart carries its own title; the caption is the web page's figcaption.
        self.image(io.BytesIO(svg.encode()), x=MARGIN, w=width)
        self.ln(3)


def render(pack: Pack) -> bytes:
    pdf = PackPDF(pack)
    # Cover.
    pdf.add_page()
    pdf.ln(30)
    pdf.set_font("Helvetica", "B", 22)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(0, 11, _text(pack.committee), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.ln(2)
    pdf.para("Joint operating committee - meeting pack", size=14, style="B")
    pdf.ln(4)
    for label, value in (("Contract", pack.contract), ("Period reviewed", pack.period),
                         ("Meeting", f"{pack.when:%Y-%m-%d %H:%M}"), ("Status", pack.status),
                         ("Cadence", pack.cadence or "not set in the scope of work")):
        pdf.para(f"{label}: {value}", size=11)
    pdf.ln(3)
    if pack.present:
        pdf.para("Present: " + ", ".join(pack.present), size=10)
    if pack.absent:
        pdf.para("Absent (sent this pack): " + ", ".join(pack.absent), size=10)
    pdf.ln(3)
    pdf.para("Member stories are shared with the member's consent and without their "
             "identity. Counts under 11 members are suppressed.", size=9, muted=True)

    # Agenda.
    pdf.add_page()
    pdf.heading("Agenda")
    for number, section in enumerate(pack.agenda, start=1):
        pdf.para(f"{number}. {section.title}", size=11, style="B")
        for prompt in section.prompts:
            pdf.bullet(prompt, size=9)
        pdf.ln(1)
    if pack.domains:
        pdf.para("Data domains this month: " + ", ".join(pack.domains), size=10)

    # Member story.
    pdf.ln(4)
    pdf.heading("Member story")
    if not pack.stories:
        pdf.para("No story this month.", muted=True)
    for story in pack.stories:
        pdf.para(story["title"], size=11, style="B")
        pdf.para(f"Told by {story['told_by']}", size=9, muted=True)
        pdf.para(story["text"])
        pdf.ln(2)

    # Data presentation.
    pdf.add_page()
    pdf.heading("Data presentation: scorecard")
    card = pack.scorecard
    if card is None or not card.rows:
        pdf.para("No scorecard for this committee (no contract, or no referrals in the "
                 "period).", muted=True)
    else:
        if card.summary:
            pdf.para(card.summary, size=10)
            pdf.ln(1)
        pdf.grid(["Measure", "Count", "Rate or value", "Goal", "Status"],
                  [[r["measure"], r["count"], r["value"], r["goal"], r["status"]]
                   for r in card.rows], [34, 18, 16, 10, 12])
        for _, svg in card.charts:
            pdf.svg(svg)
    notes = pack.agenda[1].notes
    if notes and notes[0][1]:
        pdf.para("Notes: " + notes[0][1])

    pdf.heading("Barriers raised in escalations this period")
    if pack.barriers:
        pdf.grid(["Barrier", "Raised", "Still open", "Resolved"],
                  [[b["barrier"], str(b["raised"]), str(b["open"]), str(b["resolved"])]
                   for b in pack.barriers], [40, 12, 12, 12])
    else:
        pdf.para("No escalations were raised in the period.", muted=True)

    # Process improvements and organisational updates (the minutes).
    for section in pack.agenda[2:]:
        pdf.heading(section.title)
        for label, text in section.notes:
            pdf.para(label, size=10, style="B")
            pdf.para(text or "-", muted=not text)
            pdf.ln(1)

    # Action items.
    pdf.heading("Action items")
    rows = ([["Carried", a.text, a.owner_display, f"{a.due_on:%Y-%m-%d}"]
             for a in pack.actions.carried]
            + [["New", a.text, a.owner_display, f"{a.due_on:%Y-%m-%d}"]
               for a in pack.actions.raised]
            + [["Done", a.text, a.owner_display, f"{a.due_on:%Y-%m-%d}"]
               for a in pack.actions.done])
    if rows:
        pdf.grid(["", "Action", "Owner", "Due"], rows, [10, 50, 20, 14])
    else:
        pdf.para("No action items.", muted=True)

    # Case conferencing: counts only in the committee's copy.
    pdf.heading("Case conferencing")
    if pack.conference_counts:
        pdf.grid(["Members listed", "Count"],
                  [[label, str(n)] for label, n in pack.conference_counts], [50, 15])
    else:
        pdf.para("No members were listed for case conferencing.", muted=True)
    if pack.conference_ids:
        pdf.grid(["Plan member id", "Listed as", "Why"],
                  [[i, g, r] for i, g, r in pack.conference_ids], [20, 16, 50])
    return bytes(pdf.output())
