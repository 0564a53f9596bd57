"""One period's activity: attribution, services delivered, events, spending, quality,
cost of care and payments already made (see docs/payment-engine.md).

Service lines are the bulk of an activity (a million a month for a large plan), so they
are validated in one tight loop and kept as columns: member and service codes as small
integers, dates as day ordinals, units as integers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

from carehub.core.periods import Span
from carehub.core.validation import InputError, Reader, describe_value, join

EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "enrolled": ("member", "service"),
    "renewal_approved": ("member", "service"),
    "engaged": ("member",),
    "pathway_completed": ("member", "pathway"),
    "penalty": ("element",),
    "milestone": ("name",),
}
OPTIONAL_EVENT_FIELDS = ("id", "note", "member")
SERVICE_LINE_FIELDS = ("member", "service", "date", "units", "id")
TOP_FIELDS = ("period", "attribution", "services", "events", "spending", "quality",
              "cost_of_care", "paid", "recouped")


class ActivityError(InputError):
    """Invalid activity; `.errors` is a list of `(path, message)`."""


@dataclass(frozen=True, slots=True)
class Attribution:
    member: str
    start: date
    end: date | None  # None: still attributed


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    date: date
    position: int  # order in the file; breaks ties between events of the same day
    member: str | None = None
    service: str | None = None
    pathway: str | None = None
    element: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Spending:
    member: str
    category: str
    amount: Decimal
    date: date
    position: int


@dataclass(frozen=True)
class ServiceLines:
    """Services delivered, as columns. `member[i]` indexes `member_ids`, `service[i]`
    indexes `codes`, `day[i]` is a date ordinal."""

    member_ids: tuple[str, ...]
    codes: tuple[str, ...]
    member: np.ndarray
    service: np.ndarray
    day: np.ndarray
    units: np.ndarray
    # Each line's `id` as given (the delivery it records), "" where none was; None when
    # no line carries one. Member-level lines use it to map back to the delivery.
    ids: tuple[str, ...] | None = None

    def __len__(self) -> int:
        return int(self.units.shape[0])

    @classmethod
    def empty(cls) -> ServiceLines:
        return cls((), (), np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int32),
                   np.zeros(0, np.int64))


@dataclass(frozen=True)
class CostOfCare:
    benchmark: Decimal | None
    actual: Decimal | None


@dataclass(frozen=True)
class Activity:
    period: Span
    attribution: tuple[Attribution, ...] = ()
    services: ServiceLines = field(default_factory=ServiceLines.empty)
    events: tuple[Event, ...] = ()
    spending: tuple[Spending, ...] = ()
    quality: Mapping[str, Decimal] = field(default_factory=dict)
    cost_of_care: CostOfCare | None = None
    paid: Mapping[str, Decimal] = field(default_factory=dict)
    recouped: Mapping[str, Decimal] = field(default_factory=dict)


def load_activity(data: Any) -> Activity:
    """Validate plain data (parsed JSON) into an `Activity`, or raise `ActivityError`."""
    reader = Reader()
    top = reader.mapping(data, "", "a mapping with period, attribution, services, events, …")
    if top is None:
        raise ActivityError(reader.all_errors())
    reader.no_unknown(top, "", TOP_FIELDS)
    period = _period(reader, top.get("period"))
    attribution = _attribution(reader, top.get("attribution"))
    services = _services(reader, top.get("services"))
    events = _events(reader, top.get("events"))
    spending = _spending(reader, top.get("spending"))
    quality = _quality(reader, top.get("quality"))
    cost = _cost_of_care(reader, top.get("cost_of_care"))
    paid = _amounts(reader, top.get("paid"), "paid")
    recouped = _amounts(reader, top.get("recouped"), "recouped")
    if reader.errors or period is None:
        raise ActivityError(reader.all_errors())
    return Activity(period=period, attribution=attribution, services=services, events=events,
                    spending=spending, quality=quality, cost_of_care=cost, paid=paid,
                    recouped=recouped)


def _period(reader: Reader, raw: Any) -> Span | None:
    if raw is None:
        reader.error("period", 'required (a mapping such as {"start": "2026-03-01", '
                               '"end": "2026-03-31"})')
        return None
    item = reader.mapping(raw, "period", "a mapping {start, end}")
    if item is None:
        return None
    reader.no_unknown(item, "period", ("start", "end"))
    start = reader.day(item, "start", "period")
    end = reader.day(item, "end", "period")
    if start is None or end is None:
        return None
    if end < start:
        reader.error("period.end", f"must be on or after period.start {start}, got {end}")
        return None
    return Span(start, end)


def _list(reader: Reader, raw: Any, path: str, what: str) -> list[Any]:
    if raw is None:
        return []
    return reader.sequence(raw, path, what) or []


def _attribution(reader: Reader, raw: Any) -> tuple[Attribution, ...]:
    result: list[Attribution] = []
    for index, entry in enumerate(_list(reader, raw, "attribution", "{member, start, end}")):
        path = join("attribution", index)
        item = reader.mapping(entry, path, "a mapping {member, start, end}")
        if item is None:
            continue
        if len(item) != 3:
            reader.no_unknown(item, path, ("member", "start", "end"))
        member = reader.text(item, "member", path, example="M1")
        start = reader.day(item, "start", path)
        end = reader.day(item, "end", path, required=False)
        if start and end and end < start:
            reader.error(join(path, "end"), f"must be on or after start {start}, got {end}")
            continue
        if member and start:
            result.append(Attribution(member, start, end))
    return tuple(result)


def _services(reader: Reader, raw: Any) -> ServiceLines:
    rows = _list(reader, raw, "services", "{member, service, date, units}")
    return _well_formed_services(rows) or _checked_services(reader, rows)


def _well_formed_services(rows: list[Any]) -> ServiceLines | None:
    """Columns for a list in which every line is well formed, or None so that the careful
    line-by-line check can say what is wrong where. Whole-column operations keep a
    million lines around a second."""
    try:
        width = len(rows[0]) if rows else 4
        if width not in (4, 5) or any(len(row) != width for row in rows):
            return None
        ids = tuple(_line_id(row["id"]) for row in rows) if width == 5 else None
        members: dict[str, int] = {}
        codes: dict[str, int] = {}
        dates: dict[str, int] = {}
        # setdefault numbers each new key in order of first appearance, in one pass.
        member_col = [members.setdefault(row["member"], len(members)) for row in rows]
        service_col = [codes.setdefault(row["service"], len(codes)) for row in rows]
        date_col = [dates.setdefault(row["date"], len(dates)) for row in rows]
        unit_raw = [row["units"] for row in rows]
        ordinals = np.array([date.fromisoformat(text).toordinal() for text in dates],
                            dtype=np.int32)
    except (KeyError, TypeError, ValueError):
        return None
    for keys in (members, codes, dates):
        if not all(type(key) is str and key.strip() for key in keys):
            return None
    if not all(type(units) is int for units in unit_raw):
        return None
    units = np.array(unit_raw, dtype=np.int64)
    if units.size and units.min() < 1:
        return None
    return ServiceLines(
        member_ids=tuple(members), codes=tuple(codes),
        member=np.array(member_col, dtype=np.int32),
        service=np.array(service_col, dtype=np.int32),
        day=ordinals[np.array(date_col, dtype=np.int32)] if rows else np.zeros(0, np.int32),
        units=units, ids=ids,
    )


def _line_id(raw: Any) -> str:
    """A service line's id: text or a whole number, kept as text."""
    if type(raw) is str and raw.strip():
        return raw
    if type(raw) is int:
        return str(raw)
    raise ValueError("not an id")


def _checked_services(reader: Reader, rows: list[Any]) -> ServiceLines:
    members: dict[str, int] = {}
    codes: dict[str, int] = {}
    days: dict[Any, int] = {}
    member_col: list[int] = []
    service_col: list[int] = []
    day_col: list[int] = []
    unit_col: list[int] = []
    id_col: list[str] = []
    for index, row in enumerate(rows):
        # Fast path for a well-formed line; anything odd goes through the careful check.
        try:
            if len(row) != 4:
                raise KeyError
            member_key = members.get(row["member"])
            service_key = codes.get(row["service"])
            day = days.get(row["date"])
            units = row["units"]
            if (member_key is None or service_key is None or day is None
                    or type(units) is not int or units < 1):
                raise KeyError
        except (KeyError, TypeError):
            checked = _service_line(reader, row, index)
            if checked is None:
                continue
            member, code, when, units = checked
            member_key = members.setdefault(member, len(members))
            service_key = codes.setdefault(code, len(codes))
            day = days.setdefault(row["date"], when.toordinal())
        member_col.append(member_key)
        service_col.append(service_key)
        day_col.append(day)
        unit_col.append(units)
        raw_id = row.get("id") if isinstance(row, Mapping) else None
        id_col.append("" if raw_id is None else str(raw_id))
    return ServiceLines(
        member_ids=tuple(members), codes=tuple(codes),
        member=np.array(member_col, dtype=np.int32), service=np.array(service_col, np.int32),
        day=np.array(day_col, dtype=np.int32), units=np.array(unit_col, dtype=np.int64),
        ids=tuple(id_col) if any(id_col) else None,
    )


def _service_line(reader: Reader, row: Any, index: int) -> tuple[str, str, date, int] | None:
    path = join("services", index)
    item = reader.mapping(row, path, "a mapping {member, service, date, units}")
    if item is None:
        return None
    reader.no_unknown(item, path, SERVICE_LINE_FIELDS)
    member = reader.text(item, "member", path, example="M1")
    code = reader.text(item, "service", path, example="HDM")
    when = reader.day(item, "date", path)
    units = reader.integer(item, "units", path, minimum=1)
    if member is None or code is None or when is None or units is None:
        return None
    return member, code, when, units


def _events(reader: Reader, raw: Any) -> tuple[Event, ...]:
    result: list[Event] = []
    kinds = ", ".join(EVENT_FIELDS)
    for index, entry in enumerate(_list(reader, raw, "events", "events")):
        path = join("events", index)
        item = reader.mapping(entry, path, "a mapping {type, date, …}")
        if item is None:
            continue
        kind = item.get("type")
        if kind not in EVENT_FIELDS:
            problem = "required" if kind is None else f"got {describe_value(kind)}"
            reader.error(join(path, "type"), f"{problem}; event types are: {kinds}")
            continue
        needed = EVENT_FIELDS[kind]
        reader.no_unknown(item, path, ("type", "date", *needed, *OPTIONAL_EVENT_FIELDS))
        when = reader.day(item, "date", path)
        values = {name: reader.text(item, name, path) for name in needed}
        member = values.get("member") or reader.text(item, "member", path, required=False)
        if when is None or any(value is None for value in values.values()):
            continue
        result.append(Event(type=kind, date=when, position=index, member=member,
                            service=values.get("service"), pathway=values.get("pathway"),
                            element=values.get("element"), name=values.get("name")))
    return tuple(result)


def _spending(reader: Reader, raw: Any) -> tuple[Spending, ...]:
    result: list[Spending] = []
    for index, entry in enumerate(_list(reader, raw, "spending", "{member, category, amount, "
                                                                 "date}")):
        path = join("spending", index)
        item = reader.mapping(entry, path, "a mapping {member, category, amount, date}")
        if item is None:
            continue
        reader.no_unknown(item, path, ("member", "category", "amount", "date", "id", "note"))
        member = reader.text(item, "member", path, example="M1")
        category = reader.text(item, "category", path, example="utilities")
        amount = reader.money(item, "amount", path, example="80.00")
        when = reader.day(item, "date", path)
        if member and category and amount is not None and when:
            result.append(Spending(member, category, amount, when, index))
    return tuple(result)


def _quality(reader: Reader, raw: Any) -> dict[str, Decimal]:
    if raw is None:
        return {}
    item = reader.mapping(raw, "quality", 'a mapping of metric to value such as '
                                          '{"follow-up-7d": "0.64"}')
    result: dict[str, Decimal] = {}
    for metric in item or {}:
        value = reader.decimal(item or {}, metric, "quality", example="0.64")
        if value is not None:
            result[str(metric)] = value
    return result


def _cost_of_care(reader: Reader, raw: Any) -> CostOfCare | None:
    if raw is None:
        return None
    item = reader.mapping(raw, "cost_of_care", "a mapping {benchmark, actual}")
    if item is None:
        return None
    reader.no_unknown(item, "cost_of_care", ("benchmark", "actual"))
    benchmark = reader.money(item, "benchmark", "cost_of_care", required=False,
                             example="12500000.00")
    actual = reader.money(item, "actual", "cost_of_care", required=False,
                          example="11900000.00")
    return CostOfCare(benchmark, actual)


def _amounts(reader: Reader, raw: Any, path: str) -> dict[str, Decimal]:
    if raw is None:
        return {}
    item = reader.mapping(raw, path, 'a mapping of component id to amount such as '
                                     '{"guarantee": "300000.00"}')
    result: dict[str, Decimal] = {}
    for key in item or {}:
        amount = reader.money(item or {}, key, path, example="300000.00")
        if amount is not None:
            result[str(key)] = amount
    return result
