"""Reading a payer's roster or ranked eligible list (CSV or Parquet, columns in
docs/data/member-files.md) into checked rows. Nothing is written here: every row is checked
first and all problems are reported with their row and column, so an import either
saves everything or nothing.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, overload

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from carehub.core import reference
from carehub.core.spreadsheet import unescape_cell

ROSTER_REQUIRED = ("member_id", "first_name", "last_name", "birth_date", "sex", "product",
                   "enroll_start")
ROSTER_OPTIONAL = ("race", "ethnicity", "language", "address", "city", "county", "state",
                   "zip", "phone", "phone_alt", "email", "pcp_npi", "risk_score", "enroll_end",
                   "hospice")
RANKED_REQUIRED = ("member_id", "rank", "selected")
PRODUCTS = ("medicaid", "medicare_advantage", "dsnp", "commercial")
MAX_ERRORS = 200
# Optional columns read into RosterRow fields (or, for contact columns, checked and
# normalised) rather than copied as text into RosterRow.details.
NOT_DETAILS = ("risk_score", "enroll_end", "hospice", "phone", "phone_alt", "email")
# The longest value each text column of members.models.Member holds (a test keeps the two
# in step); a longer one is a row/column error here, not a database error at save time.
MAX_LENGTHS = {"member_id": 64, "first_name": 100, "last_name": 100, "race": 80,
               "ethnicity": 80, "language": 40, "address": 200, "city": 100, "county": 100,
               "zip": 10, "email": 254}


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


@dataclass(frozen=True, slots=True)  # a 50 MB roster is ~300,000 of these
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


@dataclass(frozen=True, slots=True)
class RankedRow:
    row: int
    member_id: str
    rank: int
    selected: bool
    reasons: str
    measures: dict[str, str]


def read_table(path: Path) -> Table:
    """Rows of a CSV or Parquet file as dicts of column → value (strings for CSV).

    The file is read once here to count its rows and find unreadable ones (not UTF-8, a
    cell over the CSV size limit, a NUL character), each reported with its row and column;
    the rows are then read again, one at a time, by whoever iterates the table, so a
    large file is never held in memory as a whole."""
    if not path.exists():
        raise ImportProblem(str(path), [(0, "", "file not found")])
    table = Table(path, parquet=path.suffix.lower() == ".parquet")
    table.check()
    return table


class Table(Sequence[dict[str, Any]]):
    """A checked file's rows, read from disk on each iteration."""

    def __init__(self, path: Path, *, parquet: bool) -> None:
        self.path = path
        self.parquet = parquet
        self._length = 0
        self._keep: list[Any] = []  # e.g. the temporary folder holding an upload

    def keep(self, resource: Any) -> None:
        """Keep `resource` alive (and so its file on disk) as long as this table."""
        self._keep.append(resource)

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return list(self)[index]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError(index)
        return next(itertools.islice(iter(self), index, None))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if self.parquet:
            for batch in self._batches():
                yield from batch.to_pylist()
            return
        with self.path.open(newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                yield {k: unescape_cell(v) if isinstance(v, str) else v for k, v in row.items()}

    def _batches(self) -> Iterator[Any]:
        import pyarrow.parquet as pq

        return pq.ParquetFile(self.path).iter_batches(batch_size=10_000)

    def check(self) -> None:
        errors = self._check_parquet() if self.parquet else self._check_csv()
        if errors:
            raise ImportProblem(str(self.path), errors[:MAX_ERRORS])

    def _check_parquet(self) -> list[tuple[int, str, str]]:
        import pyarrow as pa
        import pyarrow.compute as pc

        errors: list[tuple[int, str, str]] = []
        try:
            for batch in self._batches():
                for column, values in zip(batch.schema.names, batch.columns, strict=True):
                    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
                        hits = pc.fill_null(pc.match_substring(values, NUL), False)
                        errors.extend((self._length + offset + 2, column, NUL_MESSAGE)
                                      for offset in pc.indices_nonzero(hits).to_pylist())
                self._length += batch.num_rows
        except Exception as exc:  # pyarrow raises several types for a bad file
            return [(0, "", f"not a readable Parquet file: {exc}")]
        return errors

    def _check_csv(self) -> list[tuple[int, str, str]]:
        errors: list[tuple[int, str, str]] = []
        header: list[str] = []
        lines_before = 0
        try:
            with self.path.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.reader(handle)
                for record in reader:
                    if not header:
                        header = record
                    elif record:  # csv.DictReader skips blank lines; so do row numbers
                        self._length += 1
                        errors.extend((self._length + 1, _column(header, i), NUL_MESSAGE)
                                      for i, cell in enumerate(record) if NUL in cell)
                    lines_before = reader.line_num
        except csv.Error as exc:
            row = self._length + 2 if header else 1
            if "field larger than field limit" not in str(exc):
                return [*errors, (row, "", f"not readable as CSV: {exc}")]
            index = _long_cell(self.path, lines_before)
            column = _column(header, index) if header and index is not None else ""
            return [*errors, (row, column, f"a cell is longer than {csv.field_size_limit():,} "
                                          "characters; no column holds that much")]
        except UnicodeDecodeError as exc:
            return [(0, "", f"not UTF-8 text: {exc}")]
        return errors


NUL = "\x00"
NUL_MESSAGE = "contains a NUL character (\\x00), which is not allowed"


def _column(header: list[str], index: int) -> str:
    return header[index] if index < len(header) else f"column {index + 1}"


def _long_cell(path: Path, lines_before: int) -> int | None:
    """Index of the cell over the CSV size limit in the record after `lines_before`
    lines (the csv module names neither the cell nor its column)."""
    limit = csv.field_size_limit()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for _ in range(lines_before):
            next(handle, None)
        index, length, quoted = 0, 0, False
        for line in handle:
            for char in line:
                if char == '"':
                    quoted = not quoted
                elif char == "," and not quoted:
                    index, length = index + 1, 0
                elif char in "\r\n" and not quoted:
                    return None
                else:
                    length += 1
                if length > limit:
                    return index
    return None


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

    def lengths(self, row: int, raw: dict[str, Any], columns: Any = MAX_LENGTHS) -> bool:
        """False (and an error per column) when a value is longer than its column holds."""
        fine = True
        for column in columns:
            text = _text(raw.get(column))
            if len(text) > MAX_LENGTHS[column]:
                self.fail(row, column, f"is {len(text):,} characters long; at most "
                                       f"{MAX_LENGTHS[column]} fit")
                fine = False
        return fine

    def boolean(self, row: int, column: str, value: Any, default: bool = False) -> bool:
        if isinstance(value, bool):
            return value
        text = _text(value)
        if not text:
            return default
        answer = reference.boolean(text)
        if answer is None:
            self.fail(row, column, f"{text!r} is not true or false (the format's spelling "
                                   "of a boolean)")
            return default
        return answer

    def phone(self, row: int, column: str, value: Any) -> str:
        """The 10 digits of a US phone number, or "" (and an error when one was given)."""
        text = _text(value)
        if not text:
            return ""
        digits = reference.phone_digits(text)
        if digits is None:
            self.fail(row, column, f"{text!r} is not a US phone number of 10 digits "
                                   "such as 716-555-0142")
            return ""
        return digits

    def email(self, row: int, column: str, value: Any) -> str:
        text = _text(value)
        if text:
            try:
                validate_email(text)
            except ValidationError:
                self.fail(row, column, f"{text!r} is not an email address")
                return ""
        return text

    def reference(self, row: int, column: str, text: str, problem: str | None) -> None:
        """Record `problem` (from carehub.core.reference) for a non-empty value."""
        if text and problem:
            self.fail(row, column, problem)


def _check_columns(source: str, rows: Sequence[dict[str, Any]], required: tuple[str, ...]) -> None:
    if not rows:
        raise ImportProblem(source, [(0, "", "the file has no rows")])
    missing = [c for c in required if c not in rows[0]]
    if missing:
        raise ImportProblem(source, [(1, c, "column is missing from the header") for c in missing])


def parse_roster(source: str, rows: Sequence[dict[str, Any]]) -> list[RosterRow]:
    """Check every roster row; raise ImportProblem listing all problems found."""
    _check_columns(source, rows, ROSTER_REQUIRED)
    check = _Checker()
    out: list[RosterRow] = []
    seen: dict[tuple[str, str], int] = {}
    # One string object per distinct value (a county, a language repeats on most rows).
    values: dict[str, str] = {}

    def shared(raw: dict[str, Any], column: str) -> str:
        text = _text(raw.get(column))
        return text if column == "address" else values.setdefault(text, text)

    for index, raw in enumerate(rows, start=2):  # row 1 is the header
        mid = _text(raw.get("member_id"))
        start = check.date(index, "enroll_start", raw.get("enroll_start"))
        key = (mid, start.isoformat() if start else "")
        if mid and key in seen:
            check.fail(index, "member_id",
                       f"{mid} with enroll_start {key[1]} repeats row {seen[key]}")
        seen[key] = index
        row = roster_row(check, index, raw, shared, start=start)
        if row is not None:
            out.append(row)
    if check.errors:
        raise ImportProblem(source, check.errors)
    return out


def roster_row(check: _Checker, index: int, raw: dict[str, Any],
               shared: Callable[[dict[str, Any], str], str] | None = None, *,
               start: date | None | bool = False) -> RosterRow | None:
    """Check one roster row (every column but the file-wide repeat check); the row, or
    None when it has a problem (recorded in `check`). `start`: enroll_start when the
    caller already read it."""
    share = shared or (lambda raw, column: _text(raw.get(column)))
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
    if start is False:
        start = check.date(index, "enroll_start", raw.get("enroll_start"))
    assert start is not True
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
    elif npi and not reference.is_npi(npi):
        check.fail(index, "pcp_npi", f"{npi!r} is not an NPI (its check digit is wrong)")
    state = _text(raw.get("state"))
    check.reference(index, "state", state, reference.state_problem(state))
    county = _text(raw.get("county"))
    check.reference(index, "county", county, reference.county_problem(county, state))
    zip_code = _text(raw.get("zip"))
    check.reference(index, "zip", zip_code, reference.zip_problem(zip_code))
    contact = {"phone": check.phone(index, "phone", raw.get("phone")),
               "phone_alt": check.phone(index, "phone_alt", raw.get("phone_alt")),
               "email": check.email(index, "email", raw.get("email"))}
    hospice = check.boolean(index, "hospice", raw.get("hospice"))
    fits = check.lengths(index, raw)
    if not (fits and birth and start and mid and sex in ("F", "M", "U") and product in PRODUCTS):
        return None
    return RosterRow(
        row=index, member_id=mid, first_name=_text(raw.get("first_name")),
        last_name=_text(raw.get("last_name")), birth_date=birth, sex=sex,
        product=product, enroll_start=start, enroll_end=end, hospice=hospice,
        risk_score=risk,
        details={**{c: share(raw, c) for c in ROSTER_OPTIONAL if c not in NOT_DETAILS},
                 **contact},
    )


def ranked_row(check: _Checker, index: int, raw: dict[str, Any]) -> RankedRow | None:
    """Check one ranked-list row (all but the repeat check); None when it has a problem."""
    mid = _text(raw.get("member_id"))
    if not mid:
        check.fail(index, "member_id", "is empty")
    rank_text = _text(raw.get("rank"))
    try:
        rank = int(rank_text)
        if rank < 1:
            raise ValueError
    except ValueError:
        check.fail(index, "rank", f"{rank_text!r} is not a whole number of 1 or more")
        rank = 0
    selected = check.boolean(index, "selected", raw.get("selected"))
    if not check.lengths(index, raw, ("member_id",)):
        mid = ""
    if not (mid and rank):
        return None
    measures = {k: _text(v) for k, v in raw.items()
                if k not in ("member_id", "rank", "selected", "reasons")}
    return RankedRow(index, mid, rank, selected, _text(raw.get("reasons")), measures)


def parse_ranked_list(source: str, rows: Sequence[dict[str, Any]]) -> list[RankedRow]:
    """Check every ranked-list row (member_id, rank, selected, reasons, measures)."""
    _check_columns(source, rows, RANKED_REQUIRED)
    check = _Checker()
    out: list[RankedRow] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(rows, start=2):
        mid = _text(raw.get("member_id"))
        if mid and mid in seen:
            check.fail(index, "member_id", f"{mid} repeats row {seen[mid]}")
        seen.setdefault(mid, index)
        row = ranked_row(check, index, raw)
        if row is not None:
            out.append(row)
    if check.errors:
        raise ImportProblem(source, check.errors)
    return out
