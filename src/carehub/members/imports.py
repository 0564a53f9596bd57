"""Reading a payer's roster or ranked eligible list (CSV or Parquet, columns of
docs population.md) into checked rows. Nothing is written here: every row is checked
first and all problems are reported with their row and column, so an import either
saves everything or nothing.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

ROSTER_REQUIRED = ("member_id", "first_name", "last_name", "birth_date", "sex", "product",
                   "enroll_start")
ROSTER_OPTIONAL = ("race", "ethnicity", "language", "address", "city", "county", "state",
                   "zip", "pcp_npi", "risk_score", "enroll_end", "hospice")
RANKED_REQUIRED = ("member_id", "rank", "selected")
PRODUCTS = ("medicaid", "medicare_advantage", "dsnp", "commercial")
MAX_ERRORS = 200


class ImportProblem(ValueError):
    """The file cannot be imported; `.errors` lists (row, column, message)."""

    def __init__(self, source: str, errors: list[tuple[int, str, str]]) -> None:
        self.source = source
        self.errors = errors
        super().__init__(self.describe())

    def describe(self) -> str:
        lines = [f"{self.source}: row {row}, column {col}: {msg}" if row else
                 f"{self.source}: {msg}" for row, col, msg in self.errors]
        return "\n".join(lines)


@dataclass(frozen=True)
class RosterRow:
    row: int
    member_id: str
    first_name: str
    last_name: str
    birth_date: date
    sex: str
    product: str
    enroll_start: date
    enroll_end: date | None
    hospice: bool
    risk_score: Decimal | None
    details: dict[str, str] = field(default_factory=dict)  # race, language, address ...


@dataclass(frozen=True)
class RankedRow:
    row: int
    member_id: str
    rank: int
    selected: bool
    reasons: str
    measures: dict[str, str]


def read_table(path: Path) -> list[dict[str, Any]]:
    """Rows of a CSV or Parquet file as dicts of column → value (strings for CSV)."""
    if not path.exists():
        raise ImportProblem(str(path), [(0, "", "file not found")])
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except Exception as exc:  # pyarrow raises several types for a bad file
            raise ImportProblem(str(path), [(0, "", f"not a readable Parquet file: {exc}")]) from exc
        return [dict(r) for r in table.to_pylist()]
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return list(csv.DictReader(handle))
    except UnicodeDecodeError as exc:
        raise ImportProblem(str(path), [(0, "", f"not UTF-8 text: {exc}")]) from exc


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


class _Checker:
    def __init__(self) -> None:
        self.errors: list[tuple[int, str, str]] = []

    def fail(self, row: int, column: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append((row, column, message))

    def date(self, row: int, column: str, value: Any, required: bool = True) -> date | None:
        if isinstance(value, date):
            return value
        text = _text(value)
        if not text:
            if required:
                self.fail(row, column, "is empty; a date YYYY-MM-DD is required")
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.fail(row, column, f"{text!r} is not a date YYYY-MM-DD")
            return None

    def boolean(self, row: int, column: str, value: Any, default: bool = False) -> bool:
        if isinstance(value, bool):
            return value
        text = _text(value).lower()
        if not text:
            return default
        if text in ("true", "1", "yes", "y", "t"):
            return True
        if text in ("false", "0", "no", "n", "f"):
            return False
        self.fail(row, column, f"{text!r} is not true or false")
        return default


def _check_columns(source: str, rows: list[dict[str, Any]], required: tuple[str, ...]) -> None:
    if not rows:
        raise ImportProblem(source, [(0, "", "the file has no rows")])
    missing = [c for c in required if c not in rows[0]]
    if missing:
        raise ImportProblem(source, [(1, c, "column is missing from the header") for c in missing])


def parse_roster(source: str, rows: list[dict[str, Any]]) -> list[RosterRow]:
    """Check every roster row; raise ImportProblem listing all problems found."""
    _check_columns(source, rows, ROSTER_REQUIRED)
    check = _Checker()
    out: list[RosterRow] = []
    seen: dict[tuple[str, str], int] = {}
    for index, raw in enumerate(rows, start=2):  # row 1 is the header
        mid = _text(raw.get("member_id"))
        if not mid:
            check.fail(index, "member_id", "is empty")
        for column in ("first_name", "last_name"):
            if not _text(raw.get(column)):
                check.fail(index, column, "is empty")
        sex = _text(raw.get("sex")).upper()
        if sex not in ("F", "M", "U"):
            check.fail(index, "sex", f"{sex!r} is not one of F, M, U")
        product = _text(raw.get("product"))
        if product not in PRODUCTS:
            check.fail(index, "product", f"{product!r} is not one of {', '.join(PRODUCTS)}")
        birth = check.date(index, "birth_date", raw.get("birth_date"))
        start = check.date(index, "enroll_start", raw.get("enroll_start"))
        end = check.date(index, "enroll_end", raw.get("enroll_end"), required=False)
        if start and end and end < start:
            check.fail(index, "enroll_end", f"{end} is before enroll_start {start}")
        risk: Decimal | None = None
        risk_text = _text(raw.get("risk_score"))
        if risk_text:
            try:
                risk = Decimal(risk_text)
                if not risk.is_finite() or risk < 0 or risk >= 1000:
                    raise InvalidOperation
            except InvalidOperation:
                check.fail(index, "risk_score", f"{risk_text!r} is not a risk score like 1.25")
                risk = None
        npi = _text(raw.get("pcp_npi"))
        if npi and not (len(npi) == 10 and npi.isdigit()):
            check.fail(index, "pcp_npi", f"{npi!r} is not 10 digits")
        state = _text(raw.get("state"))
        if len(state) > 2:
            check.fail(index, "state", f"{state!r} is not a two-letter state")
        key = (mid, start.isoformat() if start else "")
        if mid and key in seen:
            check.fail(index, "member_id",
                       f"{mid} with enroll_start {key[1]} repeats row {seen[key]}")
        seen[key] = index
        hospice = check.boolean(index, "hospice", raw.get("hospice"))
        if birth and start and mid and sex in ("F", "M", "U") and product in PRODUCTS:
            out.append(RosterRow(
                row=index, member_id=mid, first_name=_text(raw.get("first_name")),
                last_name=_text(raw.get("last_name")), birth_date=birth, sex=sex,
                product=product, enroll_start=start, enroll_end=end, hospice=hospice,
                risk_score=risk,
                details={c: _text(raw.get(c)) for c in ROSTER_OPTIONAL
                         if c not in ("risk_score", "enroll_end", "hospice")},
            ))
    if check.errors:
        raise ImportProblem(source, check.errors)
    return out


def parse_ranked_list(source: str, rows: list[dict[str, Any]]) -> list[RankedRow]:
    """Check every ranked-list row (member_id, rank, selected, reasons, measures)."""
    _check_columns(source, rows, RANKED_REQUIRED)
    check = _Checker()
    out: list[RankedRow] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(rows, start=2):
        mid = _text(raw.get("member_id"))
        if not mid:
            check.fail(index, "member_id", "is empty")
        elif mid in seen:
            check.fail(index, "member_id", f"{mid} repeats row {seen[mid]}")
        seen.setdefault(mid, index)
        rank_text = _text(raw.get("rank"))
        try:
            rank = int(rank_text)
            if rank < 1:
                raise ValueError
        except ValueError:
            check.fail(index, "rank", f"{rank_text!r} is not a whole number of 1 or more")
            rank = 0
        selected = check.boolean(index, "selected", raw.get("selected"))
        measures = {k: _text(v) for k, v in raw.items()
                    if k not in ("member_id", "rank", "selected", "reasons")}
        if mid and rank:
            out.append(RankedRow(index, mid, rank, selected, _text(raw.get("reasons")), measures))
    if check.errors:
        raise ImportProblem(source, check.errors)
    return out
