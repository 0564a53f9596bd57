"""The scorecard's charts as server-side SVG, the same markup on the page and in the PDF
pack: explicit width, height and viewBox, colours as presentation attributes, escaped
text, no classes, no style attributes and no script (the strict CSP holds, and fpdf2 can
draw it). Each function returns a plain `str`; views wrap it with `mark_safe`.

Colours come with words: every bar is labelled with its percent and status, and the
chart's aria-label summarises it for screen readers.
"""

from __future__ import annotations

from html import escape

from carehub.core.scorecard.card import SUPPRESSED_TEXT, Card, Figure
from carehub.core.scorecard.measures import MEDIAN_DAYS, RATE, measure

FONT = 'font-family="Helvetica, Arial, sans-serif"'
INK = "#202124"
MUTED = "#5f6368"
GRID = "#dadce0"
GOAL = "#202124"
LINE = "#1a73e8"
WIDTH = 640


def _n(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _svg(width: int, height: int, label: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">'
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>'
            + "".join(body) + "</svg>")


def _text(x: float, y: float, text: str, *, size: int = 12, anchor: str = "start",
          fill: str = INK, bold: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (f'<text x="{_n(x)}" y="{_n(y)}" {FONT} font-size="{size}" '
            f'text-anchor="{anchor}" fill="{fill}"{weight}>{escape(text)}</text>')


def _percent(f: Figure) -> float | None:
    return None if f.rate is None else float(f.rate) * 100


def _bar_rows(items: list[tuple[str, Figure]], title: str) -> str:
    """Horizontal bars, one per (label, figure), 0–100 %, with each goal as a tick."""
    label_w, bar_w, row_h, top = 200.0, 300.0, 34.0, 34.0
    height = int(top + row_h * max(len(items), 1) + 24)
    body = [_text(8, 20, title, size=13, bold=True)]
    for tick in (0, 50, 100):
        x = label_w + bar_w * tick / 100
        body.append(f'<line x1="{_n(x)}" y1="{_n(top - 4)}" x2="{_n(x)}" '
                    f'y2="{_n(top + row_h * max(len(items), 1))}" stroke="{GRID}" '
                    f'stroke-width="1"/>')
        body.append(_text(x, height - 8, f"{tick}%", size=10, anchor="middle", fill=MUTED))
    summary = []
    for i, (label, f) in enumerate(items):
        y = top + row_h * i
        body.append(_text(8, y + 18, label[:30], size=12))
        pct = _percent(f)
        if f.suppressed:
            body.append(_text(label_w + 4, y + 18, SUPPRESSED_TEXT, size=12, fill=MUTED))
            summary.append(f"{label}: {SUPPRESSED_TEXT}")
        elif pct is None:
            body.append(_text(label_w + 4, y + 18, "No data", size=12, fill=MUTED))
            summary.append(f"{label}: no data")
        else:
            w = bar_w * min(pct, 100) / 100
            body.append(f'<rect x="{_n(label_w)}" y="{_n(y + 6)}" width="{_n(max(w, 1))}" '
                        f'height="16" fill="{f.colour}"/>')
            words = f"{f.rate_text} {f.status_word.lower()}" if f.goal is not None \
                else f.rate_text
            body.append(_text(label_w + bar_w + 8, y + 18, words, size=12))
            summary.append(f"{label}: {f.rate_text}"
                           + (f" against {f.goal_text}, {f.status_word.lower()}"
                              if f.goal is not None else ""))
        if f.goal is not None:
            gx = label_w + bar_w * min(float(f.goal), 100) / 100
            body.append(f'<line x1="{_n(gx)}" y1="{_n(y + 2)}" x2="{_n(gx)}" '
                        f'y2="{_n(y + 26)}" stroke="{GOAL}" stroke-width="2"/>')
    return _svg(WIDTH, height, f"{title}. " + "; ".join(summary), body)


def goal_bars(card: Card) -> str:
    """A bar per rate measure of the card, each with its goal as a black tick."""
    items = [(f.measure.name, f) for f in card.figures
             if f.measure.kind in (RATE, MEDIAN_DAYS)]
    title = f"{card.contract_code} {card.period.label}: rates against goals"
    return _bar_rows(items, title)


def split_chart(rows: list[tuple[str, Card]], measure_key: str) -> str:
    """One bar per CBO or sub-population for a measure; suppressed cells as "<11"."""
    m = measure(measure_key)
    return _bar_rows([(label, c.figure(m.key)) for label, c in rows], f"{m.name} by group")


def trend_chart(cards: list[Card], measure_key: str) -> str:
    """The measure's rate over the cards' periods (oldest first) with its goal line.
    Periods without a rate (no data, suppressed) break the line."""
    m = measure(measure_key)
    left, right, top, bottom, height = 48.0, 16.0, 34.0, 46.0, 240
    plot_w = WIDTH - left - right
    plot_h = height - top - bottom
    body = [_text(8, 20, f"{m.name}: last {len(cards)} periods", size=13, bold=True)]
    for tick in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - tick / 100)
        body.append(f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(WIDTH - right)}" '
                    f'y2="{_n(y)}" stroke="{GRID}" stroke-width="1"/>')
        body.append(_text(left - 6, y + 4, f"{tick}%", size=10, anchor="end", fill=MUTED))
    step = plot_w / max(len(cards) - 1, 1)
    every = max(1, (len(cards) + 5) // 6)
    points: list[list[tuple[float, float]]] = [[]]
    summary = []
    goal = None
    for i, c in enumerate(cards):
        f = c.figure(m.key)
        goal = f.goal if f.goal is not None else goal
        x = left + step * i if len(cards) > 1 else left + plot_w / 2
        if (len(cards) - 1 - i) % every == 0:
            body.append(_text(x, height - bottom + 16, c.period.code, size=10,
                              anchor="middle", fill=MUTED))
        pct = _percent(f)
        if pct is None:
            if points[-1]:
                points.append([])
            summary.append(f"{c.period.code} {SUPPRESSED_TEXT if f.suppressed else 'no data'}")
            continue
        y = top + plot_h * (1 - min(pct, 100) / 100)
        points[-1].append((x, y))
        body.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3" fill="{f.colour}"/>')
        summary.append(f"{c.period.code} {f.rate_text}")
    if goal is not None:
        gy = top + plot_h * (1 - min(float(goal), 100) / 100)
        body.append(f'<line x1="{_n(left)}" y1="{_n(gy)}" x2="{_n(WIDTH - right)}" '
                    f'y2="{_n(gy)}" stroke="{GOAL}" stroke-width="1.5" '
                    f'stroke-dasharray="6 4"/>')
        body.append(_text(WIDTH - right, gy - 5, f"goal {goal.normalize():f}%", size=10,
                          anchor="end"))
    for segment in points:
        if len(segment) > 1:
            coords = " ".join(f"{_n(x)},{_n(y)}" for x, y in segment)
            body.append(f'<polyline points="{coords}" fill="none" stroke="{LINE}" '
                        f'stroke-width="2"/>')
    label = f"{m.name} by period: " + ", ".join(summary)
    if goal is not None:
        label += f"; goal {goal.normalize():f}%"
    return _svg(WIDTH, height, label, body)
