"""The equity summary on the page: eligible versus selected by race, ethnicity, language
and county, as a server-side SVG bar chart (no script) with a table beside it.

Anything shown to another organisation has its small cells suppressed: a count under 11
(but above 0) is shown as "<11" and its share and bar are left out, so a member cannot
be picked out from a small group."""

from __future__ import annotations

from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from carehub.analytics.eligibility import EQUITY_DIMENSIONS

SMALL_CELL = 11
SHOWN = 8  # values per dimension on the chart; the rest are summed as "Other"
LABELS = {"race": "Race", "ethnicity": "Ethnicity", "language": "Language", "county": "County"}


def _percent(share: str | None) -> float | None:
    return None if share is None else float(share) * 100


def rows(equity: dict[str, list[dict[str, Any]]], dimension: str, *,
         suppress: bool) -> list[dict[str, Any]]:
    """The dimension's values for display: counts, percents, and "<11" when suppressed."""
    out = []
    for entry in equity.get(dimension, []):
        row: dict[str, Any] = {"value": entry["value"]}
        for side in ("eligible", "selected"):
            count = int(entry[side])
            small = suppress and 0 < count < SMALL_CELL
            row[side] = f"<{SMALL_CELL}" if small else f"{count:,}"
            row[f"{side}_percent"] = None if small else _percent(entry[f"{side}_share"])
        out.append(row)
    return out


def dimensions(equity: dict[str, list[dict[str, Any]]], *, suppress: bool) -> list[dict[str, Any]]:
    return [{"key": d, "label": LABELS[d], "rows": rows(equity, d, suppress=suppress),
             "chart": chart(rows(equity, d, suppress=suppress)[:SHOWN], LABELS[d])}
            for d in EQUITY_DIMENSIONS]


def _fmt(x: float) -> str:
    return f"{x:.1f}"


def chart(entries: list[dict[str, Any]], title: str) -> SafeString:
    """Horizontal bars, two per value (eligible, selected), as SVG. The table beside it
    carries the same figures for screen readers: the chart is hidden from them."""
    label_w, bar_w, pad = 150.0, 230.0, 44.0
    row_h, bar_h = 30.0, 11.0
    height = 26 + row_h * max(len(entries), 1)
    parts = [f'<svg class="equity-chart" viewBox="0 0 {_fmt(label_w + bar_w + pad)} '
             f'{_fmt(height)}" role="img" aria-hidden="true" focusable="false" '
             f'xmlns="http://www.w3.org/2000/svg">',
             f'<g font-size="11" fill="currentColor">'
             f'<rect x="{_fmt(label_w)}" y="4" width="10" height="10" class="bar-eligible"/>'
             f'<text x="{_fmt(label_w + 14)}" y="13">eligible</text>'
             f'<rect x="{_fmt(label_w + 80)}" y="4" width="10" height="10" class="bar-selected"/>'
             f'<text x="{_fmt(label_w + 94)}" y="13">selected</text></g>']
    for i, entry in enumerate(entries):
        y = 26 + i * row_h
        name = str(entry["value"])
        shown = name if len(name) <= 22 else name[:21] + "…"
        parts.append(f'<text x="{_fmt(label_w - 6)}" y="{_fmt(y + bar_h + 3)}" font-size="11" '
                     f'text-anchor="end" fill="currentColor">{escape(shown)}</text>')
        for j, side in enumerate(("eligible", "selected")):
            percent = entry[f"{side}_percent"]
            top = y + j * (bar_h + 1)
            if percent is None:
                parts.append(f'<text x="{_fmt(label_w + 2)}" y="{_fmt(top + bar_h - 1)}" '
                             f'font-size="10" fill="currentColor">{escape(entry[side])}</text>')
                continue
            width = bar_w * percent / 100
            parts.append(f'<rect x="{_fmt(label_w)}" y="{_fmt(top)}" width="{_fmt(width)}" '
                         f'height="{_fmt(bar_h)}" class="bar-{side}"/>')
            parts.append(f'<text x="{_fmt(label_w + width + 3)}" y="{_fmt(top + bar_h - 1)}" '
                         f'font-size="10" fill="currentColor">{_fmt(percent)}%</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703 # every text is escaped above
