"""The pack's data section: the contract's scorecard for the meeting's month, its
12-month trends and sub-population splits, with the charts as SVG strings (the same in
the page and the PDF). Read through `reporting.selectors.scorecard`, so the figures are
the scorecard's own; the pack shows the shared copy, small cells suppressed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from carehub.core.scorecard.periods import parse_period
from carehub.reporting import charts
from carehub.reporting.selectors import scorecard
from carehub.tenancy.access import Acting

# The trend charts shown, and the splits by data domain chosen for the meeting.
TREND_MEASURES = ("outreach_rate", "contact_rate", "support_rate")
SPLITS_BY_DOMAIN = {"equity": (("race", "support_rate"), ("language", "contact_rate")),
                    "funnel": (("cbo", "outreach_rate"),)}


@dataclass
class ScorecardSection:
    rows: list[dict[str, str]] = field(default_factory=list)
    charts: list[tuple[str, str]] = field(default_factory=list)  # (caption, svg)
    summary: str = ""


def _summary(card: Any) -> str:
    """The seeds' sentences: "Outreach rate was 79% against a goal of 80%: out of 2,069
    assigned, 1,642 were outreached." for each rate with a goal."""
    parts = []
    for f in card.figures:
        if f.measure.kind != "rate" or f.suppressed or f.rate is None:
            continue
        goal = f" against a goal of {f.goal_text}" if f.goal_text else ""
        parts.append(f"{f.measure.name} was {f.rate_text}{goal} ({f.status_word}): "
                     f"{f.numerator_text} of {f.denominator_text}.")
    return " ".join(parts[:3])


def section(acting: Acting, contract: Any, period: str, *,
            domains: list[str]) -> ScorecardSection:
    when = parse_period(period, contract_start=contract.starts)
    # One read for the trend; its last card is the month's card (the same records).
    trend = scorecard.trend(acting, contract, when, 12, shared=True)
    card = trend[-1]
    rows = []
    for f in card.figures:
        count = (f"{f.numerator_text} of {f.denominator_text}" if f.denominator is not None
                 and f.measure.kind == "rate" else f.numerator_text or f.denominator_text)
        value = f.rate_text or f.value_text or ("suppressed" if f.suppressed else "")
        rows.append({"measure": f.measure.name, "count": count, "value": value,
                     "goal": f.goal_text, "status": f.status_word, "colour": f.colour})
    out = ScorecardSection(rows=rows, summary=_summary(card))
    out.charts.append(("Rates against their goals", charts.goal_bars(card)))
    for key in TREND_MEASURES:
        out.charts.append((f"{card.figure(key).measure.name}: last 12 months",
                           charts.trend_chart(trend, key)))
    for domain in domains:
        for by, key in SPLITS_BY_DOMAIN.get(domain, ()):
            rows_by = scorecard.split(acting, contract, when, by, shared=True)
            if rows_by:
                label = scorecard.SPLIT_LABELS.get(by, by)
                label = label if label.isupper() else label.lower()
                out.charts.append((f"{card.figure(key).measure.name} by {label}",
                                   charts.split_chart(rows_by, key)))
    return out
