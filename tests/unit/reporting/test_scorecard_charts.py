"""The scorecard's SVG charts: fit the strict CSP (no style, no script, no classes), say
what they show to screen readers, escape text, draw suppressed cells as "<11" without a
bar, and draw into an fpdf2 page as the PDF pack needs."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from fpdf import FPDF

from carehub.core.scorecard.card import Goals, ReferralRecord, compute
from carehub.core.scorecard.periods import parse_period
from carehub.reporting.charts import goal_bars, split_chart, trend_chart

GOALS = Goals(outreach_goal=Decimal("80"), contact_goal=Decimal("55"),
              support_goal=Decimal("50"))


def _records(n: int, day: date, cbo: int = 1) -> list[ReferralRecord]:
    return [ReferralRecord(referral_id=i, member_id=i, cbo_id=cbo, assigned_on=day,
                           outreached=i % 5 != 0, contacted=i % 2 == 0 and i % 5 != 0,
                           accepted=i % 4 == 0 and i % 5 != 0) for i in range(n)]


def _card(label: str = "", n: int = 40, shared: bool = False):  # type: ignore[no-untyped-def]
    return compute(_records(n, date(2026, 3, 3)), parse_period("2026-03"), GOALS,
                   contract_code="T<&>", as_of=date(2026, 4, 1), shared=shared, label=label)


def _charts() -> list[str]:
    months = parse_period("2026-03").previous(12)
    records = [r for k, p in enumerate(months) for r in _records(20 + k, p.start)]
    cards = [compute(records, p, GOALS, contract_code="T", as_of=date(2026, 4, 1))
             for p in months]
    rows = [("Big <Pantry>", _card(n=40, shared=True)), ("Small", _card(n=6, shared=True))]
    return [goal_bars(_card()), trend_chart(cards, "outreach_rate"),
            split_chart(rows, "contact_rate")]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_charts_fit_the_strict_csp_and_are_labelled(index: int) -> None:
    svg = _charts()[index]
    assert re.match(r'<svg xmlns="http://www.w3.org/2000/svg" width="\d+" height="\d+" '
                    r'viewBox="0 0 \d+ \d+" role="img" aria-label="[^"]+"', svg)
    for banned in ("style", "<script", "class=", "onload", "href"):
        assert banned not in svg
    assert "<&>" not in svg and "<Pantry>" not in svg


def test_goal_bars_name_each_rate_with_its_status() -> None:
    svg = goal_bars(_card())
    assert "Outreach rate" in svg and "80% met" in svg  # 32 of 40 outreached
    assert 'aria-label="T&lt;&amp;&gt; March 2026: rates against goals.' in svg


def test_split_chart_draws_small_cells_as_text_without_a_bar() -> None:
    small_only = split_chart([("Small", _card(n=6, shared=True))], "contact_rate")
    assert "&lt;11" in small_only
    assert "<rect" in small_only and small_only.count("<rect") == 1  # the background only


def test_trend_chart_has_twelve_points_and_the_goal_line() -> None:
    svg = _charts()[1]
    assert svg.count("<circle") == 12
    assert "goal 80%" in svg and "2025-04" in svg and "2026-03" in svg


def test_each_chart_draws_into_an_fpdf2_page() -> None:
    pdf = FPDF()
    pdf.add_page()
    for svg in _charts():
        pdf.image(io.BytesIO(svg.encode()), w=180)
    out = bytes(pdf.output())
    assert out.startswith(b"%PDF") and len(out) > 2000
