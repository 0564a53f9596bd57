"""The periods a scorecard is read over: a calendar month, a calendar quarter, a contract
year (twelve months from the contract's start), a calendar year, or any custom span.

Written as people type them: `2026-03`, `2026-Q1`, `2026` (the contract year that starts
in 2026 when the contract's start is known, else the calendar year) and
`2026-01-15..2026-02-14`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from carehub.core.periods import Span, add_months, add_years, month_span

MONTH = "month"
QUARTER = "quarter"
CONTRACT_YEAR = "contract_year"
YEAR = "year"
CUSTOM = "custom"
KINDS = (MONTH, QUARTER, CONTRACT_YEAR, YEAR, CUSTOM)

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER_RE = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR_RE = re.compile(r"^(\d{4})$")
_CUSTOM_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")

PERIOD_HELP = "YYYY-MM, YYYY-Qn, YYYY or YYYY-MM-DD..YYYY-MM-DD"


class PeriodError(ValueError):
    """A period that cannot be read; the message names the text and the accepted forms."""


@dataclass(frozen=True, slots=True)
class Period:
    """From `start` to `end`, both days included. `anchor` is the contract's start for a
    contract year (so earlier and later contract years can be found), else None."""

    kind: str
    start: date
    end: date
    label: str
    anchor: date | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise PeriodError(f"unknown period kind {self.kind!r}")
        if self.end < self.start:
            raise PeriodError(f"period ends {self.end} before it starts {self.start}")

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)

    @property
    def code(self) -> str:
        """The text `parse_period` reads back into this period."""
        if self.kind == MONTH:
            return f"{self.start.year:04d}-{self.start.month:02d}"
        if self.kind == QUARTER:
            return f"{self.start.year:04d}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind in (YEAR, CONTRACT_YEAR):
            return f"{self.start.year:04d}"
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def months(self) -> Fraction:
        """Its length in months: 1, 3, 12, or days × 12 / 365 for a custom span (used to
        scale a monthly or yearly volume range to the period)."""
        return {MONTH: Fraction(1), QUARTER: Fraction(3), YEAR: Fraction(12),
                CONTRACT_YEAR: Fraction(12)}.get(self.kind,
                                                 Fraction(self.span.days * 12, 365))

    def shift(self, steps: int) -> Period:
        """The period of the same kind `steps` earlier (negative) or later (positive); a
        custom span moves by its own length."""
        if self.kind == MONTH:
            return month_period(add_months(self.start, steps))
        if self.kind == QUARTER:
            return quarter_period(add_months(self.start, 3 * steps))
        if self.kind == YEAR:
            return year_period(self.start.year + steps)
        if self.kind == CONTRACT_YEAR:
            assert self.anchor is not None
            return contract_year_period(self.anchor, self.start.year + steps)
        length = timedelta(days=self.span.days * steps)
        return custom_period(self.start + length, self.end + length)

    def previous(self, n: int) -> list[Period]:
        """The `n` periods ending with this one, oldest first: the points of a trend."""
        if n < 1:
            raise PeriodError("a trend needs at least one period")
        return [self.shift(-k) for k in range(n - 1, -1, -1)]

    def __str__(self) -> str:
        return self.label


def month_period(day: date) -> Period:
    span = month_span(day.year, day.month)
    return Period(MONTH, span.start, span.end, f"{day:%B %Y}")


def quarter_period(day: date) -> Period:
    first = (day.month - 1) // 3 * 3 + 1
    start = date(day.year, first, 1)
    end = add_months(start, 3) - timedelta(days=1)
    return Period(QUARTER, start, end, f"Q{(first - 1) // 3 + 1} {day.year}")


def year_period(year: int) -> Period:
    return Period(YEAR, date(year, 1, 1), date(year, 12, 31), f"{year}")


def contract_year_period(anchor: date, year: int) -> Period:
    """The contract year that starts in calendar year `year`: twelve months from the
    contract start's day and month in that year."""
    start = add_years(anchor, year - anchor.year)
    end = add_years(anchor, year - anchor.year + 1) - timedelta(days=1)
    number = year - anchor.year + 1
    label = f"Contract year {number} ({start:%d %b %Y} to {end:%d %b %Y})"
    return Period(CONTRACT_YEAR, start, end, label, anchor=anchor)


def custom_period(start: date, end: date) -> Period:
    if end < start:
        raise PeriodError(f"period ends {end} before it starts {start}")
    return Period(CUSTOM, start, end, f"{start:%d %b %Y} to {end:%d %b %Y}")


def parse_period(text: str, *, contract_start: date | None = None) -> Period:
    """The period written as `text` (see PERIOD_HELP); PeriodError naming the text
    otherwise. A bare year is the contract year starting that year when `contract_start`
    is given, else the calendar year."""
    raw = (text or "").strip()
    try:
        if m := _MONTH_RE.match(raw):
            return month_period(date(int(m[1]), int(m[2]), 1))
        if m := _QUARTER_RE.match(raw):
            return quarter_period(date(int(m[1]), (int(m[2]) - 1) * 3 + 1, 1))
        if m := _YEAR_RE.match(raw):
            year = int(m[1])
            if contract_start is not None:
                return contract_year_period(contract_start, year)
            return year_period(year)
        if m := _CUSTOM_RE.match(raw):
            return custom_period(date.fromisoformat(m[1]), date.fromisoformat(m[2]))
    except PeriodError:
        raise
    except ValueError:
        pass
    raise PeriodError(f"period {text!r} is not one of {PERIOD_HELP}")
