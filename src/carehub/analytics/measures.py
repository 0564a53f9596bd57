"""HEDIS Social Need Screening and Intervention (SNS-E), six rates.

For food, housing and transportation: screening = members with a coded result of a
screening item of the domain between 1 January and 1 December; intervention = members
with a positive screen in that window who received an intervention of the domain on or
within 30 days after their first positive screen. Denominator: members continuously
enrolled through the year (at most one gap of up to 45 days, enrolled on 31 December),
not in hospice. Strata: age on 1 January (<=17, 18-64, 65+) and product on 31 December.

The screening and intervention codes are data (valuesets/*.csv, or a plan's own copy).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from carehub.analytics.extracts import Extract, ExtractError, Workspace
from carehub.core.money import round_to
from carehub.core.textinput import TextInputError, read_text

DOMAINS = ("food", "housing", "transportation")
MEASURES = tuple(f"{d}_{kind}" for kind in ("screening", "intervention") for d in DOMAINS)
ROSTER_COLUMNS = ["member_id", "birth_date", "product", "enroll_start", "enroll_end", "hospice"]
SCREENING_COLUMNS = ["member_id", "date", "instrument", "item", "answer"]
INTERVENTION_COLUMNS = ["member_id", "date", "code"]
MAX_GAP_DAYS = 45
PERCENT_PLACES = Decimal("0.01")  # rates are percentages to two decimals
INTERVENTION_DAYS = 30
AGE_BANDS = (("0-17", 0, 17), ("18-64", 18, 64), ("65+", 65, 10_000))


@dataclass(frozen=True)
class ScreeningItem:
    domain: str
    instrument: str
    item: str
    positive_answers: frozenset[str]
    verified: bool
    source: str


@dataclass(frozen=True)
class InterventionCode:
    domain: str
    code: str
    system: str
    description: str
    verified: bool
    source: str


@dataclass(frozen=True)
class ValueSets:
    screening: tuple[ScreeningItem, ...]
    interventions: tuple[InterventionCode, ...]


def _rows(path_or_text: Path | str, name: str, columns: list[str]) -> list[dict[str, str]]:
    if isinstance(path_or_text, Path):
        try:
            text = read_text(path_or_text)
        except TextInputError as exc:
            raise ExtractError(f"{name}: {exc}") from None
    else:
        text = path_or_text
    try:
        reader = csv.DictReader(text.splitlines())
        fieldnames = reader.fieldnames or []
    except csv.Error as exc:
        raise ExtractError(f"{name}: unreadable CSV: {exc}") from None
    missing = [c for c in columns if c not in fieldnames]
    if missing:
        raise ExtractError(f"{name}: missing column {missing[0]}")
    rows = list(reader)
    for number, row in enumerate(rows, start=1):
        if row["verified"] not in {"true", "false"}:
            raise ExtractError(f"{name}: column verified: row {number}: expected true or false")
        if row["domain"] not in DOMAINS:
            raise ExtractError(
                f"{name}: column domain: row {number}: {row['domain']!r} is not one of {DOMAINS}"
            )
    return rows


def load_value_sets(folder: Path | None = None) -> ValueSets:
    """The shipped value sets, or a plan's folder holding the same two files."""
    names = ("sns_e_screening.csv", "sns_e_interventions.csv")
    texts: list[tuple[Path | str, str]] = []
    for name in names:
        if folder is not None:
            if not folder.is_dir():
                raise ExtractError(f"{folder}: not a folder (--valuesets takes the folder "
                                   f"holding {' and '.join(names)})")
            path = folder / name
            if not path.exists():
                raise ExtractError(f"{path}: no such file")
            texts.append((path, str(path)))
        else:
            shipped = resources.files("carehub.analytics").joinpath("valuesets", name)
            texts.append((shipped.read_text(encoding="utf-8"), f"valuesets/{name}"))
    screening_rows = _rows(
        *texts[0], ["domain", "instrument", "item", "positive_answers", "verified", "source"]
    )
    intervention_rows = _rows(
        *texts[1], ["domain", "code", "system", "description", "verified", "source"]
    )
    return ValueSets(
        screening=tuple(
            ScreeningItem(
                r["domain"],
                r["instrument"].strip(),
                r["item"].strip(),
                frozenset(a.strip() for a in r["positive_answers"].split(";") if a.strip()),
                r["verified"] == "true",
                r["source"],
            )
            for r in screening_rows
        ),
        interventions=tuple(
            InterventionCode(
                r["domain"],
                r["code"].strip(),
                r["system"],
                r["description"],
                r["verified"] == "true",
                r["source"],
            )
            for r in intervention_rows
        ),
    )


@dataclass(frozen=True)
class Rate:
    stratum_kind: str  # all, age, product
    stratum: str
    measure: str
    denominator: int
    numerator: int

    @property
    def rate(self) -> str | None:
        if self.denominator == 0:
            return None
        return str(round_to(Fraction(self.numerator * 100, self.denominator), PERCENT_PLACES))


def age_band(birth: dt.date, on: dt.date) -> str:
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    for name, low, high in AGE_BANDS:
        if low <= age <= high:
            return name
    return "65+"


def continuously_enrolled(spans: list[tuple[dt.date, dt.date | None]], year: int) -> bool:
    """Covered through the year but for at most one gap of up to 45 days, and on 31 Dec."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    clipped = sorted(
        (max(s, start), min(e or end, end))
        for s, e in spans
        if s <= end and (e is None or e >= start)
    )
    if not clipped:
        return False
    gaps: list[int] = []
    covered_to = start - dt.timedelta(days=1)
    for s, e in clipped:
        if s > covered_to + dt.timedelta(days=1):
            gaps.append((s - covered_to).days - 1)
        covered_to = max(covered_to, e)
    if covered_to < end:
        return False
    return len(gaps) <= 1 and all(g <= MAX_GAP_DAYS for g in gaps)


def _screen_flags(screenings: ir.Table, sets: ValueSets) -> tuple[ir.Value, ir.BooleanValue]:
    """Each screening row's domain (null if not a domain item) and whether it is positive."""
    cases = []
    positive: list[ir.BooleanValue] = []
    for entry in sets.screening:
        match = (screenings.instrument == entry.instrument) & (screenings.item == entry.item)
        cases.append((match, entry.domain))
        if entry.positive_answers:
            positive.append(match & screenings.answer.isin(sorted(entry.positive_answers)))
    domain = ibis.cases(*cases, else_=ibis.null(str)) if cases else ibis.null(str)
    return domain, ibis.or_(*positive) if positive else ibis.literal(False)


def member_results(
    screenings: ir.Table, interventions: ir.Table, sets: ValueSets, year: int
) -> ir.Table:
    """Per member with a screening: screened and intervened flags for each domain."""
    start, last_screen = dt.date(year, 1, 1), dt.date(year, 12, 1)
    screens = screenings.filter(
        screenings.date.between(start, last_screen),
        screenings.answer.notnull() & (screenings.answer.strip() != ""),
    )
    domain, positive = _screen_flags(screens, sets)
    screens = screens.mutate(domain=domain, positive=positive).filter(ibis._.domain.notnull())
    per_member = screens.group_by("member_id").aggregate(
        **{f"{d}_screened": (screens.domain == d).any() for d in DOMAINS},
        **{
            f"{d}_first_positive": screens.date.min(where=(screens.domain == d) & screens.positive)
            for d in DOMAINS
        },
    )
    result = per_member
    for d in DOMAINS:
        codes = sorted({c.code for c in sets.interventions if c.domain == d})
        if not codes:
            result = result.mutate(**{f"{d}_intervened": ibis.literal(False)})
            continue
        given = interventions.filter(interventions.code.isin(codes)).select(
            _member="member_id", _date="date"
        )
        first = per_member.select("member_id", _first=per_member[f"{d}_first_positive"])
        joined = first.join(given, first.member_id == given._member)
        days = joined._date.delta(joined._first, unit="day")
        hit = (
            joined.filter(days.between(0, INTERVENTION_DAYS))
            .select(_hit_member=ibis._.member_id)
            .distinct()
        )
        result = result.left_join(hit, result.member_id == hit._hit_member)
        result = result.mutate(**{f"{d}_intervened": result._hit_member.notnull()}).drop(
            "_hit_member"
        )
    return result


def run_sns_e(
    ws: Workspace,
    roster: Extract,
    screenings: Extract,
    interventions: Extract,
    year: int,
    sets: ValueSets,
) -> list[Rate]:
    roster_table = ws.load(roster, ROSTER_COLUMNS)
    screening_table = ws.load(screenings, SCREENING_COLUMNS)
    intervention_table = ws.load(interventions, INTERVENTION_COLUMNS)
    year_start, year_end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    spans = roster_table.filter(
        roster_table.enroll_start <= year_end,
        roster_table.enroll_end.isnull() | (roster_table.enroll_end >= year_start),
    )
    members: dict[str, dict[str, Any]] = {}
    span_rows = ws.con.to_pyarrow(spans).to_pylist()
    by_member: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in span_rows:
        by_member[row["member_id"]].append(row)
    for member_id, rows in by_member.items():
        if any(r["hospice"] for r in rows):
            continue
        if not continuously_enrolled([(r["enroll_start"], r["enroll_end"]) for r in rows], year):
            continue
        anchor = max(
            (
                r
                for r in rows
                if r["enroll_start"] <= year_end
                and (r["enroll_end"] is None or r["enroll_end"] >= year_end)
            ),
            key=lambda r: (r["enroll_start"], r["product"] or ""),
        )
        members[member_id] = {
            "age": age_band(anchor["birth_date"], year_start),
            "product": anchor["product"] or "(blank)",
        }
    results = {
        r["member_id"]: r
        for r in ws.con.to_pyarrow(
            member_results(screening_table, intervention_table, sets, year)
        ).to_pylist()
    }
    strata: list[tuple[str, str]] = [("all", "all")]
    strata += [("age", name) for name, _, _ in AGE_BANDS]
    strata += [("product", p) for p in sorted({m["product"] for m in members.values()})]
    rates: list[Rate] = []
    for kind, name in strata:
        ids = [i for i, m in members.items() if kind == "all" or m[kind] == name]
        for d in DOMAINS:
            screened = sum(1 for i in ids if results.get(i, {}).get(f"{d}_screened"))
            rates.append(Rate(kind, name, f"{d}_screening", len(ids), screened))
        for d in DOMAINS:
            positive = [i for i in ids if results.get(i, {}).get(f"{d}_first_positive") is not None]
            intervened = sum(1 for i in positive if results[i].get(f"{d}_intervened"))
            rates.append(Rate(kind, name, f"{d}_intervention", len(positive), intervened))
    return rates
