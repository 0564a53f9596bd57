"""Scorecard periods as typed: months, quarters, contract and calendar years, custom spans,
and the periods before them for a trend."""

from __future__ import annotations

from datetime import date

import pytest

from carehub.core.scorecard.periods import PeriodError, parse_period


def test_month_quarter_and_year() -> None:
    m = parse_period("2026-02")
    assert (m.kind, m.start, m.end, m.label) == ("month", date(2026, 2, 1), date(2026, 2, 28),
                                                 "February 2026")
    q = parse_period("2026-q4")
    assert (q.kind, q.start, q.end, q.code) == ("quarter", date(2026, 10, 1),
                                                date(2026, 12, 31), "2026-Q4")
    y = parse_period("2026")
    assert (y.kind, y.start, y.end) == ("year", date(2026, 1, 1), date(2026, 12, 31))


def test_a_year_with_the_contract_start_is_the_contract_year() -> None:
    p = parse_period("2026", contract_start=date(2025, 7, 15))
    assert (p.kind, p.start, p.end) == ("contract_year", date(2026, 7, 15), date(2027, 7, 14))
    assert p.label.startswith("Contract year 2")
    assert p.shift(-1).start == date(2025, 7, 15)


def test_custom_span_and_its_previous_spans() -> None:
    p = parse_period("2026-01-15..2026-01-24")
    assert (p.kind, p.span.days) == ("custom", 10)
    assert [x.start for x in p.previous(2)] == [date(2026, 1, 5), date(2026, 1, 15)]


def test_previous_twelve_months_cross_the_year() -> None:
    months = parse_period("2026-03").previous(12)
    assert [months[0].code, months[-1].code, len(months)] == ["2025-04", "2026-03", 12]
    assert parse_period("2026-Q1").previous(2)[0].code == "2025-Q4"


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "March", "", "2026-03-01..2026-02-01",
                                  "26-03"])
def test_bad_periods_are_refused_naming_the_text(text: str) -> None:
    with pytest.raises(PeriodError) as error:
        parse_period(text)
    assert "YYYY-MM" in str(error.value) or "before it starts" in str(error.value)
