"""A data set's periods and due days (plain date arithmetic, no database).

A period is a day, a week (Monday to Sunday) or a calendar month. The file for a period
is due `due_days` after the period's last day. An inbound file names no period: it is
for the latest period that had ended by the day it arrived (a file of 3 February, monthly,
is January's; one of 20 February is January's too, and late when January's due day was
5 February).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from carehub.core.periods import days_in_month


@dataclass(frozen=True, slots=True)
class DataPeriod:
    start: date
    end: date

    @property
    def code(self) -> str:
        return self.start.isoformat() if self.start == self.end else \
            f"{self.start.isoformat()}..{self.end.isoformat()}"


def period_containing(cadence: str, day: date) -> DataPeriod:
    if cadence == "daily":
        return DataPeriod(day, day)
    if cadence == "weekly":
        start = day - timedelta(days=day.weekday())
        return DataPeriod(start, start + timedelta(days=6))
    if cadence == "monthly":
        start = day.replace(day=1)
        return DataPeriod(start, start.replace(day=days_in_month(start.year, start.month)))
    raise ValueError(f"unknown cadence {cadence!r}; daily, weekly or monthly")


def previous(cadence: str, period: DataPeriod) -> DataPeriod:
    return period_containing(cadence, period.start - timedelta(days=1))


def following(cadence: str, period: DataPeriod) -> DataPeriod:
    return period_containing(cadence, period.end + timedelta(days=1))


def latest_ended(cadence: str, day: date) -> DataPeriod:
    """The latest period whose last day is before `day`: what a file arriving then is for."""
    return previous(cadence, period_containing(cadence, day))


def due_on(period: DataPeriod, due_days: int) -> date:
    return period.end + timedelta(days=due_days)


def periods_due(cadence: str, due_days: int, starts: date, today: date, *,
                limit: int = 400) -> list[DataPeriod]:
    """Periods starting on or after `starts` whose due day is before `today`, oldest
    first (at most `limit`, the most recent)."""
    first = period_containing(cadence, starts)
    if first.start < starts:
        first = following(cadence, first)
    found: list[DataPeriod] = []
    period = latest_ended(cadence, today)
    while period.start >= first.start and len(found) < limit:
        if due_on(period, due_days) < today:
            found.append(period)
        period = previous(cadence, period)
    return list(reversed(found))


def parse_period(cadence: str, text: str) -> DataPeriod:
    """YYYY-MM (a monthly data set's month) or YYYY-MM-DD (the period containing that
    day); ValueError naming the text otherwise."""
    try:
        if len(text) == 7:
            day = date.fromisoformat(f"{text}-01")
            if cadence == "monthly":
                return period_containing(cadence, day)
            raise ValueError(f"{text!r}: a {cadence} data set's period is a day YYYY-MM-DD")
        return period_containing(cadence, date.fromisoformat(text))
    except ValueError as exc:
        if "data set's period" in str(exc):
            raise
        raise ValueError(f"{text!r} is not a period YYYY-MM or a day YYYY-MM-DD") from None


__all__ = ["DataPeriod", "due_on", "following", "latest_ended", "parse_period",
           "period_containing", "periods_due", "previous"]
