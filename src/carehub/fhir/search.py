"""FHIR search machinery every area's views share (R4 search.html).

- `SearchRequest.parse(request, resource_type, allowed, includes)`: the query string as
  named parameters; an unknown parameter, modifier or malformed value raises
  `SearchError` (→ 400 OperationOutcome naming the parameter);
- `date_q(field, value)`: `_lastUpdated` and other dates with the prefixes eq, ne, gt,
  ge, lt, le and any precision (2026, 2026-01, 2026-01-02, full instants);
- `parse_token` ("system|code", "|code", "code"), `reference_id` ("Type/123", "123", or
  an absolute URL ending in Type/123);
- `_count` (default 50, at most 500; 0 gives the total only);
- keyset paging (`keyset`) over (an ordering column, pk) with an opaque, signed cursor
  (`_cursor`), so deep pages cost the same as the first;
- `searchset(...)`: the Bundle with `total` (when the caller has it cheaply), `link`
  self/next and entries with fullUrl and search.mode match/include.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.core import signing
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.dateparse import parse_datetime

DEFAULT_COUNT = 50
MAX_COUNT = 500
PREFIXES = ("eq", "ne", "gt", "ge", "lt", "le")
# Result parameters every search takes; _format and _total are accepted and ignored.
RESULT_PARAMS = frozenset({"_count", "_cursor", "_include", "_format", "_total"})
_CURSOR_SALT = "carehub.fhir.search.cursor"
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class SearchError(ValueError):
    """A search the server cannot run: `param` names the parameter at fault."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param
        self.message = message


@dataclass
class SearchRequest:
    resource_type: str
    params: dict[str, list[str]] = field(default_factory=dict)
    count: int = DEFAULT_COUNT
    cursor: Any = None
    include: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, request: HttpRequest, resource_type: str, allowed: set[str] | frozenset[str],
              includes: set[str] | frozenset[str] = frozenset()) -> SearchRequest:
        out = cls(resource_type)
        for key in request.GET:
            values = request.GET.getlist(key)
            if key == "_count":
                out.count = parse_count(values[-1])
            elif key == "_cursor":
                out.cursor = parse_cursor(values[-1])
            elif key == "_include":
                for value in values:
                    if value not in includes:
                        known = ", ".join(sorted(includes)) or "none"
                        raise SearchError("_include", f"_include={value} is not supported for "
                                                      f"{resource_type} (supported: {known})")
                    out.include.append(value)
            elif key in ("_format", "_total"):
                continue
            elif key in allowed:
                if any(v == "" for v in values):
                    raise SearchError(key, f"search parameter {key!r} has no value")
                out.params[key] = values
            else:
                base = key.split(":", 1)[0]
                if base in allowed:
                    raise SearchError(key, f"the modifier in {key!r} is not supported")
                known = ", ".join(sorted(allowed | RESULT_PARAMS))
                raise SearchError(key, f"unknown search parameter {key!r} for {resource_type} "
                                       f"(supported: {known})")
        return out

    def values(self, name: str) -> list[str]:
        """Each occurrence of the parameter (AND); a value may hold commas (OR)."""
        return self.params.get(name, [])


def parse_count(value: str) -> int:
    try:
        count = int(value)
    except ValueError:
        raise SearchError("_count", f"_count must be a whole number, not {value!r}") from None
    if count < 0:
        raise SearchError("_count", "_count cannot be negative")
    return min(count, MAX_COUNT)


def make_cursor(state: Any) -> str:
    return signing.dumps(state, salt=_CURSOR_SALT, compress=True)


def parse_cursor(value: str) -> Any:
    try:
        return signing.loads(value, salt=_CURSOR_SALT)
    except signing.BadSignature:
        raise SearchError("_cursor", "_cursor is not one this server gave out") from None


def split_prefix(value: str) -> tuple[str, str]:
    if value[:2] in PREFIXES and value[2:3].isdigit():
        return value[:2], value[2:]
    return "eq", value


def date_range(param: str, value: str) -> tuple[datetime, datetime]:
    """The instants [start, end) a date or dateTime value covers (UTC when no zone)."""
    match = _DATE.match(value)
    try:
        if match:
            year, month, day = (int(g) if g else None for g in match.groups())
            assert year is not None
            if month is None:
                return (datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC))
            if day is None:
                start = datetime(year, month, 1, tzinfo=UTC)
                nxt = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
                return start, nxt
            start = datetime(year, month, day, tzinfo=UTC)
            return start, start + timedelta(days=1)
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        raise SearchError(param, f"{param}: {value!r} is not a FHIR date or dateTime")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    frac = value.split(".", 1)[1] if "." in value else ""
    digits = len(re.match(r"\d*", frac).group(0)) if frac else 0  # type: ignore[union-attr]
    seconds = ":" in value[value.index("T"):][3:] if "T" in value else False
    if digits:
        step = timedelta(microseconds=10 ** max(0, 6 - min(digits, 6)))
    else:
        step = timedelta(seconds=1) if seconds else timedelta(minutes=1)
    return moment, moment + step


def date_q(field_name: str, value: str, param: str = "_lastUpdated") -> Q:
    """The filter for one date parameter value with its prefix."""
    prefix, rest = split_prefix(value)
    start, end = date_range(param, rest)
    if prefix == "eq":
        return Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})
    if prefix == "ne":
        return Q(**{f"{field_name}__lt": start}) | Q(**{f"{field_name}__gte": end})
    if prefix == "gt":
        return Q(**{f"{field_name}__gte": end})
    if prefix == "ge":
        return Q(**{f"{field_name}__gte": start})
    if prefix == "lt":
        return Q(**{f"{field_name}__lt": start})
    return Q(**{f"{field_name}__lt": end})  # le


def date_matches(moment: datetime, value: str, param: str = "_lastUpdated") -> bool:
    """The same test in Python (for rows filtered after reading)."""
    prefix, rest = split_prefix(value)
    start, end = date_range(param, rest)
    return {"eq": start <= moment < end, "ne": not start <= moment < end,
            "gt": moment >= end, "ge": moment >= start, "lt": moment < start,
            "le": moment < end}[prefix]


def parse_token(value: str) -> tuple[str | None, str]:
    """"system|code" → (system, code); "|code" → ("", code) (no system); "code" → (None,
    code) (any system); "system|" → (system, "") (any code of the system)."""
    if "|" in value:
        system, code = value.split("|", 1)
        return system, code
    return None, value


def token_matches(codings: list[dict[str, Any]], value: str) -> bool:
    """Does any coding (or identifier: system/value) match one token value?"""
    system, code = parse_token(value)
    for item in codings:
        item_code = item.get("code", item.get("value"))
        if code and item_code != code:
            continue
        if system is None or (system == "" and not item.get("system")) or item.get("system") == system:
            return True
    return False


def reference_id(value: str, resource_type: str, param: str) -> str:
    """The id a reference parameter names: "Type/id", "id" or ".../Type/id"."""
    text = value.split("/_history/")[0].rstrip("/")
    parts = text.split("/")
    if len(parts) == 1:
        return parts[0]
    if parts[-2] != resource_type:
        raise SearchError(param, f"{param} refers to a {resource_type}, not {parts[-2]}")
    return parts[-1]


def keyset(qs: QuerySet[Any], order_field: str, after: list[Any] | None, count: int
           ) -> tuple[list[Any], list[Any] | None]:
    """Up to `count` rows ordered by (order_field, pk) after the key `after`, and the key
    of the last row when more may follow."""
    qs = qs.order_by(order_field, "pk")
    if after is not None:
        value, pk = after
        moment = parse_datetime(value) if isinstance(value, str) else value
        qs = qs.filter(Q(**{f"{order_field}__gt": moment})
                       | Q(**{order_field: moment, "pk__gt": pk}))
    rows = list(qs[: count + 1])
    more = len(rows) > count
    rows = rows[:count]
    if not more or not rows:
        return rows, None
    last = rows[-1]
    key_value = _lookup(last, order_field)
    return rows, [key_value.isoformat() if hasattr(key_value, "isoformat") else key_value,
                  str(last.pk)]


def _lookup(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir").rstrip("/")


def searchset(request: HttpRequest, entries: list[tuple[dict[str, Any], str]], *,
              total: int | None = None, next_cursor: Any = None) -> dict[str, Any]:
    """A searchset Bundle. `entries` are (resource, "match" | "include")."""
    base = base_url(request)
    self_url = request.build_absolute_uri()
    links = [{"relation": "self", "url": self_url}]
    if next_cursor is not None:
        query = [(k, v) for k in request.GET for v in request.GET.getlist(k) if k != "_cursor"]
        query.append(("_cursor", make_cursor(next_cursor)))
        links.append({"relation": "next",
                      "url": request.build_absolute_uri(request.path) + "?" + urlencode(query)})
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset"}
    if total is not None:
        bundle["total"] = total
    bundle["link"] = links
    bundle["entry"] = [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r,
                        "search": {"mode": mode}} for r, mode in entries]
    if not bundle["entry"]:
        del bundle["entry"]
    return bundle


def parse_datetime_value(value: str) -> datetime:
    """A FHIR instant as an aware datetime."""
    moment = parse_datetime(value)
    if moment is None:
        raise ValueError(f"{value!r} is not an instant")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
