"""Fee schedules as data: which billing code and modifiers a service is billed under, at
what rate, from when to when, with what unit limits, and how sure we are of each row.

A schedule is a CSV file with one row per (code, modifiers, effective range). The shipped
ones live in `schedules/` (CalAIM Community Supports, NC Healthy Opportunities, Medicare
Community Health Integration); a hub loads its own with `load_csv`, which names every bad
row and column at once. The columns:

    schedule      the schedule's name (optional; when given it must be the name loaded)
    service       the service's name as the programme writes it
    code          HCPCS Level II (a letter and 4 digits, "S5165") or CPT (5 digits, or 4
                  digits and F/T/U for categories II/III and lab codes); empty when the
                  programme bills under a code that is not known yet (the row is listed,
                  never looked up)
    modifiers     up to four 2-character modifiers separated by spaces ("U6", "U5 U6")
    unit          what one unit is ("per meal", "first 60 minutes per calendar month")
    rate          money with at most two decimals; empty when no rate is known
    effective     first day the row applies (empty: no start date known)
    ends          last day the row applies (empty: open-ended)
    per_day       most units per member per day (empty: no limit)
    per_period    most units per member per calendar month (empty: no limit)
    per_episode   most units per member per episode (authorisation window; empty: none)
    verification  how sure the row is ("verified", "secondary", "UNVERIFIED ..."): shown
                  to users next to the rate; free text, required
    source        where the row comes from
    notes         anything else a biller must know (optional)

A lookup is keyed on (code, modifiers in sorted order, date): the same code can differ only
by modifier (CalAIM S5165-U5 asthma remediation vs S5165-U6 home modifications).
"""

from __future__ import annotations

import csv
import io
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from carehub.core.money import is_money_text, money
from carehub.core.validation import InputError

SCHEDULES_DIR = Path(__file__).with_name("schedules")
COLUMNS = ("schedule", "service", "code", "modifiers", "unit", "rate", "effective", "ends",
           "per_day", "per_period", "per_episode", "verification", "source", "notes")
REQUIRED_COLUMNS = ("service", "code", "modifiers", "unit", "rate", "effective", "ends",
                    "verification")
MAX_ERRORS = 200

_CODE = re.compile(r"^(?:[A-Z]\d{4}|\d{5}|\d{4}[FTU])$")
_MODIFIER = re.compile(r"^[A-Z0-9]{2}$")
_WHOLE = re.compile(r"^\d+$")
_FIRST_DAY = date.min.toordinal()
_LAST_DAY = date.max.toordinal()


class FeeScheduleError(InputError):
    """A fee schedule file that cannot be loaded; `.errors` lists (where, message) with
    where like "row 4, column rate" (row 1 is the header)."""


@dataclass(frozen=True, slots=True)
class FeeRow:
    schedule: str
    service: str
    code: str  # "" when the programme's billing code is not known
    modifiers: tuple[str, ...]  # sorted
    unit: str
    rate: Decimal | None
    effective: date | None
    ends: date | None
    per_day: int | None
    per_period: int | None
    per_episode: int | None
    verification: str
    source: str
    notes: str = ""
    row: int = 0  # the row in its file (1 is the header)

    @property
    def billing_code(self) -> str:
        """"S5165-U5", as the code is written on a claim line; "" without a code."""
        return "-".join((self.code, *self.modifiers)) if self.code else ""

    def applies_on(self, day: date) -> bool:
        return ((self.effective is None or self.effective <= day)
                and (self.ends is None or day <= self.ends))


def modifier_key(modifiers: Iterable[str]) -> tuple[str, ...]:
    """Modifiers in the order they are looked up by: upper case, sorted."""
    return tuple(sorted(m.strip().upper() for m in modifiers if m and m.strip()))


class FeeSchedule:
    """Rows of one schedule, indexed on (code, sorted modifiers) with their start days
    sorted, so a lookup is one dict access and one bisect."""

    def __init__(self, name: str, rows: Sequence[FeeRow]) -> None:
        self.name = name
        self.rows = tuple(rows)
        grouped: dict[tuple[str, tuple[str, ...]], list[FeeRow]] = {}
        by_code: dict[str, list[FeeRow]] = {}
        for row in self.rows:
            if row.code:
                grouped.setdefault((row.code, row.modifiers), []).append(row)
                by_code.setdefault(row.code, []).append(row)
        self._index: dict[tuple[str, tuple[str, ...]], tuple[list[int], list[FeeRow]]] = {}
        for key, group in grouped.items():
            group.sort(key=_start)
            self._index[key] = ([_start(row) for row in group], group)
        self._by_code = by_code

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return f"FeeSchedule({self.name!r}, {len(self.rows)} rows)"

    def lookup(self, code: str, modifiers: Iterable[str], on: date) -> FeeRow | None:
        """The row for `code` with exactly these modifiers (any order) in force on `on`."""
        entry = self._index.get((code.strip().upper(), modifier_key(modifiers)))
        if entry is None:
            return None
        starts, rows = entry
        at = bisect_right(starts, on.toordinal()) - 1
        if at < 0:
            return None
        row = rows[at]
        return row if row.ends is None or on <= row.ends else None

    def rows_for(self, code: str, on: date | None = None) -> list[FeeRow]:
        """Every row of `code` whatever its modifiers (those in force on `on` if given)."""
        rows = self._by_code.get(code.strip().upper(), [])
        return [row for row in rows if on is None or row.applies_on(on)]

    def has_code(self, code: str) -> bool:
        return code.strip().upper() in self._by_code


def _start(row: FeeRow) -> int:
    return row.effective.toordinal() if row.effective else _FIRST_DAY


def _end(row: FeeRow) -> int:
    return row.ends.toordinal() if row.ends else _LAST_DAY


class _Errors:
    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []
        self.suppressed = 0

    def add(self, row: int, column: str, message: str) -> None:
        if len(self.items) < MAX_ERRORS:
            where = f"row {row}, column {column}" if column else f"row {row}"
            self.items.append((where, message))
        else:
            self.suppressed += 1

    def all(self) -> list[tuple[str, str]]:
        if self.suppressed:
            return [*self.items, ("", f"... and {self.suppressed} more errors")]
        return self.items


def _read_text(text_or_path: str | Path) -> tuple[str, str]:
    """(CSV text, name for messages). A Path, or a one-line string ending in .csv, is a
    file to read; any other string is the CSV text itself."""
    if isinstance(text_or_path, Path) or (
        "\n" not in text_or_path and text_or_path.strip().lower().endswith(".csv")
    ):
        path = Path(text_or_path)
        try:
            return path.read_text(encoding="utf-8-sig"), path.name
        except (OSError, UnicodeDecodeError) as exc:
            raise FeeScheduleError([("", f"cannot read the file: {exc}")], path.name) from exc
    return text_or_path.lstrip("\ufeff"), ""


def load_csv(text_or_path: str | Path, name: str) -> FeeSchedule:
    """Read a fee schedule CSV (see the module docstring for its columns); raise
    FeeScheduleError listing every row and column problem when any is found."""
    text, source = _read_text(text_or_path)
    source = source or name
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [cell.strip().lower() for cell in next(reader, [])]
    header_errors: list[tuple[str, str]] = []
    if not any(header):
        raise FeeScheduleError([("row 1", "the file is empty: expected a header row with "
                                 f"the columns {', '.join(REQUIRED_COLUMNS)}")], source)
    for column in REQUIRED_COLUMNS:
        if column not in header:
            header_errors.append(("row 1", f"column {column} is missing (the header needs "
                                  f"{', '.join(REQUIRED_COLUMNS)})"))
    for position, column in enumerate(header):
        if column not in COLUMNS:
            header_errors.append((f"row 1, column {position + 1}",
                                  f'unknown column "{column}" (allowed: {", ".join(COLUMNS)})'))
        elif header.index(column) != position:
            header_errors.append((f"row 1, column {position + 1}",
                                  f'column "{column}" appears twice'))
    if header_errors:
        raise FeeScheduleError(header_errors, source)

    errors = _Errors()
    rows: list[FeeRow] = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            errors.add(number, "", f"has {len(cells)} cells but the header has {len(header)} "
                                   "columns (a comma inside a value needs quotes)")
            continue
        raw = {column: (cells[i].strip() if i < len(cells) else "")
               for i, column in enumerate(header)}
        row = _row(raw, number, name, errors)
        if row is not None:
            rows.append(row)
    _check_overlaps(rows, errors)
    if errors.items:
        raise FeeScheduleError(errors.all(), source)
    return FeeSchedule(name, rows)


def _row(raw: dict[str, str], number: int, name: str, errors: _Errors) -> FeeRow | None:
    before = len(errors.items) + errors.suppressed
    schedule = raw.get("schedule", "")
    if schedule and schedule != name:
        errors.add(number, "schedule", f'is "{schedule}" but this file is loaded as '
                                       f'schedule "{name}"')
    service = raw["service"]
    if not service:
        errors.add(number, "service", "required: the service's name")
    code = raw["code"].upper()
    if code and not _CODE.match(code):
        errors.add(number, "code", f'"{raw["code"]}" is not a HCPCS or CPT code: write a '
                                   'letter and 4 digits ("S5165") or 5 digits ("99490")')
    modifiers: list[str] = []
    for modifier in raw["modifiers"].replace(",", " ").split():
        if not _MODIFIER.match(modifier.upper()):
            errors.add(number, "modifiers", f'"{modifier}" is not a modifier: each is 2 '
                                            'letters or digits, separated by spaces ("U5 U6")')
        else:
            modifiers.append(modifier.upper())
    if len(modifiers) > 4:
        errors.add(number, "modifiers", f"has {len(modifiers)} modifiers; a claim line takes "
                                        "at most 4")
    if len(set(modifiers)) != len(modifiers):
        errors.add(number, "modifiers", f'repeats a modifier: "{raw["modifiers"]}"')
    if modifiers and not code:
        errors.add(number, "modifiers", "modifiers are given but the code is empty")
    rate = _rate(raw["rate"], number, errors)
    effective = _day(raw["effective"], number, "effective", errors)
    ends = _day(raw["ends"], number, "ends", errors)
    if effective and ends and ends < effective:
        errors.add(number, "ends", f"{ends.isoformat()} is before effective "
                                   f"{effective.isoformat()}")
    limits = [_limit(raw.get(column, ""), number, column, errors)
              for column in ("per_day", "per_period", "per_episode")]
    verification = raw["verification"]
    if not verification:
        errors.add(number, "verification", 'required: how sure the row is, e.g. "verified" '
                                           'or "secondary" (shown to users next to the rate)')
    if len(errors.items) + errors.suppressed > before:
        return None
    return FeeRow(schedule=name, service=service, code=code, modifiers=tuple(sorted(modifiers)),
                  unit=raw["unit"], rate=rate, effective=effective, ends=ends,
                  per_day=limits[0], per_period=limits[1], per_episode=limits[2],
                  verification=verification, source=raw.get("source", ""),
                  notes=raw.get("notes", ""), row=number)


def _rate(text: str, number: int, errors: _Errors) -> Decimal | None:
    if not text:
        return None
    cleaned = text.replace("$", "", 1) if text.startswith("$") else text
    if not is_money_text(cleaned):
        errors.add(number, "rate", f'"{text}" is not an amount with at most two decimals '
                                   '(write "7.92")')
        return None
    amount = money(cleaned)
    if amount < 0:
        errors.add(number, "rate", f"{text} is negative")
        return None
    return amount


def _day(text: str, number: int, column: str, errors: _Errors) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.add(number, column, f'"{text}" is not a date: write it as 2024-07-01')
        return None


def _limit(text: str, number: int, column: str, errors: _Errors) -> int | None:
    if not text:
        return None
    if not _WHOLE.match(text) or int(text) < 1:
        errors.add(number, column, f'"{text}" is not a whole number of units of at least 1 '
                                   "(leave it empty for no limit)")
        return None
    return int(text)


def _check_overlaps(rows: list[FeeRow], errors: _Errors) -> None:
    grouped: dict[tuple[str, tuple[str, ...]], list[FeeRow]] = {}
    for row in rows:
        if row.code:
            grouped.setdefault((row.code, row.modifiers), []).append(row)
    for group in grouped.values():
        group.sort(key=_start)
        for earlier, later in zip(group, group[1:], strict=False):
            if _start(later) <= _end(earlier):
                errors.add(later.row, "effective",
                           f"{later.billing_code} from {_show(later.effective, 'the start')} "
                           f"overlaps row {earlier.row} ({_show(earlier.effective, 'the start')}"
                           f" to {_show(earlier.ends, 'no end')}): end one range before the "
                           "other begins")


def _show(day: date | None, empty: str) -> str:
    return day.isoformat() if day else empty


@cache
def _shipped() -> tuple[tuple[str, FeeSchedule], ...]:
    return tuple((path.stem, load_csv(path, path.stem))
                 for path in sorted(SCHEDULES_DIR.glob("*.csv")))


def shipped_schedules() -> dict[str, FeeSchedule]:
    """The schedules shipped with carehub, by name (the file name without .csv); read once."""
    return dict(_shipped())


def chi_units(minutes: int, *, first_minimum: int = 60,
              additional_minimum: int = 30) -> dict[str, int]:
    """Medicare Community Health Integration units for one member's minutes in a calendar
    month: G0019 once when the month reaches `first_minimum` minutes, then G0022 for each
    full 30 minutes beyond the first 60, and one more for a last part of at least
    `additional_minimum` minutes. Whether fewer than the full time supports a unit is not
    settled, so both minimums are parameters (60 and 30: whole blocks only)."""
    if minutes < 0 or first_minimum < 1 or additional_minimum < 1:
        raise ValueError("minutes must be at least 0 and the minimums at least 1")
    if minutes < first_minimum:
        return {}
    units = {"G0019": 1}
    blocks, rest = divmod(max(0, minutes - 60), 30)
    extra = blocks + (1 if rest and rest >= additional_minimum else 0)
    if extra:
        units["G0022"] = extra
    return units
