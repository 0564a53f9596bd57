"""Eligibility criteria: the YAML a plan writes (and a contract's WHO section shows),
parsed into a checked, immutable model. Pure: no files, no engines.

Format (population.md): population, as_of, require {rules}, exclude {rules}, rank
[{by, order}], cap. A rule that is absent does not filter; an unknown key is an error
naming its path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MEASURES: tuple[str, ...] = (
    "age",
    "risk_score",
    "ed_visits_12m",
    "inpatient_stays_12m",
    "allowed_12m",
    "days_since_discharge",
    "social_need_codes",
)
RANK_KEYS: tuple[str, ...] = (*MEASURES, "member_id")
RULES: tuple[str, ...] = (
    "product",
    "enrolled",
    "age",
    "geography",
    "conditions_any",
    "social_needs_any",
    "risk_score",
    "pcp_npi",
    "discharge",
    "hospice",
)
TOP_LEVEL = ("population", "as_of", "require", "exclude", "rank", "cap")


class CriteriaError(ValueError):
    """A criteria file that cannot be used; the message names the key."""


@dataclass(frozen=True)
class CodeRule:
    """ICD-10-CM prefixes (kept as written and without dots) within a look-back."""

    prefixes: tuple[str, ...]
    lookback_days: int

    @property
    def dotless(self) -> tuple[str, ...]:
        return tuple(p.replace(".", "").upper() for p in self.prefixes)


@dataclass(frozen=True)
class Range:
    min: float | None = None
    max: float | None = None

    def holds(self, value: float | None) -> bool:
        if value is None:
            return False
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


@dataclass(frozen=True)
class Discharge:
    within_days: int
    min_nights: int = 0


@dataclass(frozen=True)
class Rules:
    order: tuple[str, ...] = ()  # the rules as written, for reasons rule by rule
    product: tuple[str, ...] | None = None
    enrolled: bool | None = None
    age: Range | None = None
    counties: tuple[str, ...] | None = None
    zips: tuple[str, ...] | None = None
    conditions_any: CodeRule | None = None
    social_needs_any: CodeRule | None = None
    risk_score: Range | None = None
    pcp_npi: tuple[str, ...] | None = None
    discharge: Discharge | None = None
    hospice: bool | None = None


@dataclass(frozen=True)
class RankKey:
    by: str
    descending: bool


@dataclass(frozen=True)
class Criteria:
    population: str
    as_of: dt.date
    require: Rules
    exclude: Rules
    rank: tuple[RankKey, ...] = field(default=())
    cap: int | None = None

    @property
    def order_keys(self) -> tuple[RankKey, ...]:
        """The rank keys, ending on member_id so the order is reproducible."""
        if any(k.by == "member_id" for k in self.rank):
            return self.rank
        return (*self.rank, RankKey("member_id", False))

    @property
    def rank_measures(self) -> tuple[str, ...]:
        return tuple(k.by for k in self.rank if k.by != "member_id")


def _keys(where: str, data: Any, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise CriteriaError(f"{where}: expected a mapping")
    for key in data:
        if key not in allowed:
            raise CriteriaError(f"unknown key {where}.{key} (known: {', '.join(allowed)})")
    return data


def _strings(where: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str | int):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str | int) for v in value):
        raise CriteriaError(f"{where}: expected a non-empty list of strings")
    return tuple(str(v).strip() for v in value)


def _int(where: str, value: Any, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise CriteriaError(f"{where}: expected a whole number >= {minimum}")
    return value


def _bool(where: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise CriteriaError(f"{where}: expected true or false")
    return value


def _range(where: str, value: Any) -> Range:
    data = _keys(where, value, ("min", "max"))
    bounds: dict[str, float] = {}
    for key in ("min", "max"):
        if key in data:
            bound = data[key]
            if isinstance(bound, bool) or not isinstance(bound, int | float):
                raise CriteriaError(f"{where}.{key}: expected a number")
            bounds[key] = float(bound)
    if not bounds:
        raise CriteriaError(f"{where}: give min, max or both")
    return Range(bounds.get("min"), bounds.get("max"))


def _codes(where: str, value: Any) -> CodeRule:
    data = _keys(where, value, ("icd10", "lookback_days"))
    if "icd10" not in data:
        raise CriteriaError(f"{where}.icd10: required")
    prefixes = _strings(f"{where}.icd10", data["icd10"])
    for prefix in prefixes:
        dotless = prefix.replace(".", "")
        if not dotless.isalnum() or not dotless[:1].isalpha():
            raise CriteriaError(f"{where}.icd10: {prefix!r} is not an ICD-10-CM code prefix")
    return CodeRule(prefixes, _int(f"{where}.lookback_days", data.get("lookback_days", 365)))


def parse_rules(where: str, data: Any) -> Rules:
    if data is None:
        return Rules()
    data = _keys(where, data, RULES)
    values: dict[str, Any] = {"order": tuple(data)}
    for key, value in data.items():
        path = f"{where}.{key}"
        if key in {"product", "pcp_npi"}:
            values[key] = _strings(path, value)
        elif key in {"enrolled", "hospice"}:
            values[key] = _bool(path, value)
        elif key in {"age", "risk_score"}:
            values[key] = _range(path, value)
        elif key == "geography":
            geo = _keys(path, value, ("counties", "zips"))
            if not geo:
                raise CriteriaError(f"{path}: give counties or zips")
            if "counties" in geo:
                values["counties"] = _strings(f"{path}.counties", geo["counties"])
            if "zips" in geo:
                values["zips"] = tuple(z[:5] for z in _strings(f"{path}.zips", geo["zips"]))
        elif key in {"conditions_any", "social_needs_any"}:
            values[key] = _codes(path, value)
        elif key == "discharge":
            spec = _keys(path, value, ("within_days", "min_nights"))
            if "within_days" not in spec:
                raise CriteriaError(f"{path}.within_days: required")
            values[key] = Discharge(
                _int(f"{path}.within_days", spec["within_days"]),
                _int(f"{path}.min_nights", spec.get("min_nights", 0)),
            )
    return Rules(**values)


def parse_criteria(data: Any) -> Criteria:
    data = _keys("criteria", data, TOP_LEVEL)
    as_of = data.get("as_of")
    if isinstance(as_of, str):
        try:
            as_of = dt.date.fromisoformat(as_of)
        except ValueError as exc:
            raise CriteriaError(f"as_of: {as_of!r} is not a date YYYY-MM-DD") from exc
    if not isinstance(as_of, dt.date) or isinstance(as_of, dt.datetime):
        raise CriteriaError("as_of: required, a date YYYY-MM-DD")
    rank: list[RankKey] = []
    raw_rank = data.get("rank") or []
    if not isinstance(raw_rank, list):
        raise CriteriaError("rank: expected a list of {by, order}")
    for index, item in enumerate(raw_rank):
        where = f"rank[{index}]"
        spec = _keys(where, item, ("by", "order"))
        by = spec.get("by")
        if by not in RANK_KEYS:
            raise CriteriaError(
                f"{where}.by: unknown measure {by!r} (known: {', '.join(RANK_KEYS)})"
            )
        order = spec.get("order", "desc")
        if order not in {"asc", "desc"}:
            raise CriteriaError(f"{where}.order: expected asc or desc")
        rank.append(RankKey(by, order == "desc"))
    cap = data.get("cap")
    return Criteria(
        population=str(data.get("population") or "population"),
        as_of=as_of,
        require=parse_rules("require", data.get("require")),
        exclude=parse_rules("exclude", data.get("exclude")),
        rank=tuple(rank),
        cap=None if cap is None else _int("cap", cap, minimum=0),
    )
