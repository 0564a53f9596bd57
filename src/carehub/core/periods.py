"""Date spans that include both their first and their last day, and the calendar months
and quarters a contract term or a settlement period is cut into."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """From `start` to `end`, both days included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"span ends {self.end} before it starts {self.start}")

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def overlap(self, other: Span) -> Span | None:
        start = max(self.start, other.start)
        end = min(self.end, other.end)
        return Span(start, end) if start <= end else None

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def month_span(year: int, month: int) -> Span:
    return Span(date(year, month, 1), date(year, month, days_in_month(year, month)))


def parse_month(text: str) -> Span:
    """The calendar month written YYYY-MM ("2026-03"); ValueError naming the text otherwise."""
    try:
        year, month = (int(part) for part in text.split("-"))
        return month_span(year, month)
    except ValueError:
        raise ValueError(f"period {text!r} is not a month written YYYY-MM") from None


def add_months(day: date, months: int) -> date:
    """Same day `months` later (or earlier, when negative); a day the target month lacks
    becomes its last day: 31 January + 1 month = 28 or 29 February."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, days_in_month(year, month)))


def month_starts(start: date, end: date) -> list[date]:
    """First days of the months whose first day lies in [start, end]."""
    first = start if start.day == 1 else add_months(start.replace(day=1), 1)
    months: list[date] = []
    while first <= end:
        months.append(first)
        first = add_months(first, 1)
    return months


def months_touching(span: Span) -> list[Span]:
    """Every whole calendar month that shares at least one day with `span`."""
    months: list[Span] = []
    year, month = span.start.year, span.start.month
    while date(year, month, 1) <= span.end:
        months.append(month_span(year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def quarters_touching(span: Span) -> list[Span]:
    """Every whole calendar quarter (Jan–Mar, Apr–Jun, …) that shares a day with `span`."""
    quarters: list[Span] = []
    for month in months_touching(span):
        if month.start.month in (1, 4, 7, 10) or not quarters:
            first = (month.start.month - 1) // 3 * 3 + 1
            last = first + 2
            quarter = Span(
                date(month.start.year, first, 1),
                date(month.start.year, last, days_in_month(month.start.year, last)),
            )
            if not quarters or quarters[-1] != quarter:
                quarters.append(quarter)
    return quarters


def add_years(day: date, years: int) -> date:
    """Same day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def contract_year_of(effective: date, day: date) -> int:
    """0 for the first twelve months from `effective`, 1 for the next twelve, …"""
    years = day.year - effective.year
    if add_years(effective, years) > day:
        years -= 1
    return years


def month_label(span: Span) -> str:
    return f"{span.start.year:04d}-{span.start.month:02d}"


def next_day(day: date) -> date:
    return day + timedelta(days=1)
