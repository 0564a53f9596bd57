"""Calendar helpers: month arithmetic, month spans and month starts, one copy of each."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carehub.core.periods import (
    Span,
    add_months,
    days_in_month,
    month_span,
    month_starts,
    months_touching,
    parse_month,
)

days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
shifts = st.integers(min_value=-600, max_value=600)


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


@given(days, shifts)
def test_add_months_moves_the_month_and_clamps_the_day(day: date, months: int) -> None:
    moved = add_months(day, months)
    assert _month_index(moved) == _month_index(day) + months
    assert moved.day == min(day.day, days_in_month(moved.year, moved.month))


@given(days, shifts)
def test_add_months_from_a_day_every_month_has_round_trips(day: date, months: int) -> None:
    early = day.replace(day=min(day.day, 28))
    assert add_months(add_months(early, months), -months) == early


@given(days)
def test_month_ends_stay_month_ends_when_the_day_is_31(day: date) -> None:
    last = month_span(day.year, day.month).end
    if last.day == 31:
        for months in range(12):
            moved = add_months(last, months)
            assert moved == month_span(moved.year, moved.month).end


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2026, 3, 31), -1, date(2026, 2, 28)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
    (date(2026, 1, 15), -1, date(2025, 12, 15)),
    (date(2026, 10, 31), -12, date(2025, 10, 31)),
    (date(2026, 8, 31), -6, date(2026, 2, 28)),
])
def test_add_months_examples(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@given(days, st.integers(min_value=0, max_value=800))
def test_month_starts_are_the_first_days_inside_the_range(start: date, length: int) -> None:
    end = start + timedelta(days=length)
    expected = [d for d in (start + timedelta(days=n) for n in range(length + 1)) if d.day == 1]
    assert month_starts(start, end) == expected


@given(days, st.integers(min_value=0, max_value=800))
def test_months_touching_cover_the_span(start: date, length: int) -> None:
    span = Span(start, start + timedelta(days=length))
    months = months_touching(span)
    assert months[0].contains(span.start) and months[-1].contains(span.end)
    assert all(a.end + timedelta(days=1) == b.start for a, b in zip(months, months[1:], strict=False))


def test_parse_month() -> None:
    assert parse_month("2026-02") == Span(date(2026, 2, 1), date(2026, 2, 28))
    assert parse_month("2028-2") == Span(date(2028, 2, 1), date(2028, 2, 29))
    for bad in ("2026-13", "2026", "2026-02-01", "March", ""):
        with pytest.raises(ValueError, match="is not a month written YYYY-MM"):
            parse_month(bad)
