"""Read payer extracts (CSV or Parquet), map a plan's column names, check types.

Every job states the columns it needs; a file missing one, or holding a value that is
not of the column's type, raises ExtractError naming the file, the column and the first
bad row (1 = the first data row; for CSV the file line is given too). Checking is done
with pyarrow, one column at a time, before the engine sees the data, so errors are the
same on DuckDB and Spark. Well-typed Parquet is then read by the engine itself, lazily.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.dataset as pads
import pyarrow.parquet as pq
from ibis.backends import BaseBackend

from carehub.core.textinput import TextInputError, parse_yaml, read_text

# carehub column -> kind. "date?" may be empty; "bool" accepts true/false, 1/0, y/n, yes/no.
SCHEMAS: dict[str, dict[str, str]] = {
    "roster": {
        "member_id": "id",
        "first_name": "string",
        "last_name": "string",
        "birth_date": "date",
        "sex": "string",
        "race": "string",
        "ethnicity": "string",
        "language": "string",
        "address": "string",
        "city": "string",
        "county": "string",
        "state": "string",
        "zip": "string",
        "product": "string",
        "pcp_npi": "string",
        "risk_score": "number",
        "enroll_start": "date",
        "enroll_end": "date?",
        "hospice": "bool",
    },
    "claims": {
        "claim_id": "id",
        "line": "int",
        "member_id": "id",
        "setting": "string",
        "service_from": "date",
        "service_to": "date",
        "procedure_code": "string",
        "diagnosis_codes": "string",
        "allowed_amount": "money",
        "paid_amount": "money",
    },
    "screenings": {
        "member_id": "id",
        "date": "date",
        "instrument": "string",
        "item": "string",
        "answer": "string",
    },
    "interventions": {
        "member_id": "id",
        "date": "date",
        "code": "id",
    },
}

_TRUE = {"true", "t", "1", "y", "yes"}
_FALSE = {"false", "f", "0", "n", "no", ""}
_MONEY_RE = r"^-?[0-9]+(\.[0-9]{1,2})?$"
_NUMBER_RE = r"^-?[0-9]+(\.[0-9]+)?$"
_INT_RE = r"^-?[0-9]+$"
_DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
MONEY = pa.decimal128(18, 2)


class ExtractError(ValueError):
    """Bad input file: one line naming the file, the column and the first bad row."""


@dataclass(frozen=True)
class Extract:
    kind: str  # roster, claims, ...
    path: Path
    rename: Mapping[str, str]  # carehub name -> the file's name


def load_mapping(path: Path | None) -> dict[str, dict[str, str]]:
    """A plan's mapping file: {roster: {PlanColumn: carehub_column}, claims: {...}, ...}."""
    if path is None:
        return {}
    try:
        data = parse_yaml(read_text(path)) or {}
    except TextInputError as exc:
        raise ExtractError(f"{path}: {exc}") from None
    if not isinstance(data, dict):
        raise ExtractError(f"{path}: expected sections roster, claims, screenings, interventions")
    mapping: dict[str, dict[str, str]] = {}
    for kind, columns in data.items():
        if kind not in SCHEMAS:
            raise ExtractError(f"{path}: unknown section {kind!r} (known: {', '.join(SCHEMAS)})")
        if not isinstance(columns, dict):
            raise ExtractError(f"{path}: {kind}: expected plan_column: carehub_column pairs")
        ours: dict[str, str] = {}
        for theirs, our_name in columns.items():
            if our_name not in SCHEMAS[kind]:
                raise ExtractError(f"{path}: {kind}.{theirs}: unknown carehub column {our_name!r}")
            ours[str(our_name)] = str(theirs)
        mapping[kind] = ours
    return mapping


def extract(kind: str, path: Path, mapping: Mapping[str, Mapping[str, str]]) -> Extract:
    return Extract(kind, Path(path), dict(mapping.get(kind, {})))


def _is_parquet(path: Path) -> bool:
    return path.is_dir() or path.suffix.lower() in {".parquet", ".pq"}


def _source_name(ext: Extract, column: str) -> str:
    return ext.rename.get(column, column)


def _first_bad(mask: pa.ChunkedArray | pa.Array) -> int | None:
    bad = pc.indices_nonzero(pc.fill_null(mask, False))
    return int(bad[0].as_py()) if len(bad) else None


def _where(ext: Extract, index: int) -> str:
    if _is_parquet(ext.path):
        return f"row {index + 1}"
    return f"row {index + 1} (line {index + 2})"


def _check_strings(ext: Extract, column: str, kind: str, values: pa.ChunkedArray) -> None:
    """Raise on the first value of a text column that is not of `kind`."""
    shown = _source_name(ext, column)
    text = pc.utf8_trim_whitespace(values)
    empty = pc.or_(pc.is_null(text), pc.equal(text, ""))
    pattern = {
        "date": _DATE_RE,
        "date?": _DATE_RE,
        "money": _MONEY_RE,
        "number": _NUMBER_RE,
        "int": _INT_RE,
    }.get(kind)
    if kind in {"id", "date", "money", "number", "int"}:
        index = _first_bad(empty)
        if index is not None:
            raise ExtractError(f"{ext.path}: column {shown}: {_where(ext, index)} is empty")
    if pattern is not None:
        bad = pc.and_(pc.invert(empty), pc.invert(pc.match_substring_regex(text, pattern)))
        if kind.startswith("date"):
            # the shape is right; a day that does not exist (2025-02-30) fails to parse
            parsed = pc.strptime(
                pc.if_else(bad, None, text), format="%Y-%m-%d", unit="s", error_is_null=True
            )
            # strptime rolls some impossible days over (2026-02-30 -> 2026-03-02): a day
            # exists only when it prints back as written
            printed = pc.strftime(parsed, format="%Y-%m-%d")
            wrong = pc.or_kleene(pc.is_null(parsed), pc.not_equal(printed, text))
            bad = pc.or_kleene(bad, pc.and_kleene(pc.invert(empty), wrong))
        index = _first_bad(bad)
        if index is not None:
            value = values[index].as_py()
            expected = {
                "date": "a date YYYY-MM-DD",
                "date?": "a date YYYY-MM-DD",
                "money": "an amount with at most 2 decimals",
                "number": "a number",
                "int": "a whole number",
            }[kind]
            raise ExtractError(
                f"{ext.path}: column {shown}: {_where(ext, index)}: {value!r} is not {expected}"
            )
    if kind == "bool":
        lowered = pc.utf8_lower(pc.fill_null(text, ""))
        known = pc.is_in(lowered, value_set=pa.array(sorted(_TRUE | _FALSE)))
        index = _first_bad(pc.invert(known))
        if index is not None:
            raise ExtractError(
                f"{ext.path}: column {shown}: {_where(ext, index)}: {values[index].as_py()!r} "
                "is not true/false"
            )


def _convert(kind: str, values: pa.ChunkedArray) -> pa.ChunkedArray:
    text = pc.utf8_trim_whitespace(values)
    empty = pc.or_(pc.is_null(text), pc.equal(text, ""))
    text = pc.if_else(empty, pa.scalar(None, pa.string()), text)
    if kind in {"date", "date?"}:
        return pc.cast(pc.strptime(text, format="%Y-%m-%d", unit="s"), pa.date32())
    if kind == "money":
        return pc.cast(text, MONEY)
    if kind == "number":
        return pc.cast(text, pa.float64())
    if kind == "int":
        return pc.cast(text, pa.int64())
    if kind == "bool":
        return pc.is_in(pc.utf8_lower(pc.fill_null(text, "")), value_set=pa.array(sorted(_TRUE)))
    return text


def _type_ok(kind: str, arrow_type: pa.DataType) -> bool:
    if pa.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return True  # checked value by value
    if kind in {"date", "date?"}:
        return pa.types.is_date(arrow_type) or pa.types.is_timestamp(arrow_type)
    if kind in {"money", "number"}:
        return (
            pa.types.is_decimal(arrow_type)
            or pa.types.is_floating(arrow_type)
            or pa.types.is_integer(arrow_type)
        )
    if kind == "int":
        return pa.types.is_integer(arrow_type)
    if kind == "bool":
        return pa.types.is_boolean(arrow_type)
    return pa.types.is_integer(arrow_type)  # ids, zips, npis written as numbers


def _missing(ext: Extract, present: Iterable[str], columns: Iterable[str]) -> None:
    names = set(present)
    for column in columns:
        if _source_name(ext, column) not in names:
            mapped = "" if column == _source_name(ext, column) else f" (mapped from {column})"
            raise ExtractError(f"{ext.path}: missing column {_source_name(ext, column)}{mapped}")


def _csv_header(path: Path) -> list[str]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return next(csv.reader(handle), [])
    except OSError as exc:
        raise ExtractError(f"{path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ExtractError(f"{path}: not UTF-8 text (byte {exc.start + 1} cannot be decoded)") from None
    except csv.Error as exc:
        raise ExtractError(f"{path}: unreadable CSV header: {exc}") from None


def _read_csv(ext: Extract, columns: list[str]) -> pa.Table:
    header = _csv_header(ext.path)
    _missing(ext, header, columns)
    wanted = [_source_name(ext, c) for c in columns]
    try:
        table = pacsv.read_csv(
            ext.path,
            read_options=pacsv.ReadOptions(encoding="utf8"),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                include_columns=wanted,
                strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise ExtractError(f"{ext.path}: unreadable CSV: {exc}") from exc
    kinds = SCHEMAS[ext.kind]
    arrays = []
    for column, name in zip(columns, wanted, strict=True):
        values = table.column(name)
        _check_strings(ext, column, kinds[column], values)
        arrays.append(_convert(kinds[column], values))
    return pa.table(arrays, names=columns)


def _parquet_schema(path: Path) -> pa.Schema:
    if path.is_dir() and not any(path.glob("*.parquet")):
        raise ExtractError(f"{path}: a folder with no .parquet files")
    try:
        return pads.dataset(path, format="parquet").schema
    except (OSError, pa.ArrowInvalid) as exc:
        raise ExtractError(f"{path}: unreadable Parquet: {exc}") from exc


def _surely_no_nulls(path: Path, name: str) -> bool:
    """True when the file's row-group statistics say the column has no nulls, which
    spares reading a 40-million-row column just to look for an empty value."""
    if path.is_dir():
        return False
    metadata = pq.ParquetFile(path).metadata
    index = metadata.schema.to_arrow_schema().get_field_index(name)
    for group in range(metadata.num_row_groups):
        stats = metadata.row_group(group).column(index).statistics
        if stats is None or not stats.has_null_count or stats.null_count > 0:
            return False
    return True


def _check_parquet(ext: Extract, columns: list[str]) -> dict[str, str]:
    """Check a Parquet extract's schema (and text-typed values); return column -> kind
    for the columns the engine must convert from text."""
    schema = _parquet_schema(ext.path)
    _missing(ext, schema.names, columns)
    kinds = SCHEMAS[ext.kind]
    from_text: dict[str, str] = {}
    for column in columns:
        name = _source_name(ext, column)
        arrow_type = schema.field(name).type
        kind = kinds[column]
        if not _type_ok(kind, arrow_type):
            raise ExtractError(
                f"{ext.path}: column {name}: type {arrow_type} where {kind} was expected"
            )
        if pa.types.is_dictionary(arrow_type):
            arrow_type = arrow_type.value_type
        is_text = pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)
        if is_text and kind not in {"string", "id"}:
            values = pads.dataset(ext.path, format="parquet").to_table(columns=[name]).column(0)
            _check_strings(ext, column, kind, values)
            from_text[column] = kind
        elif kind in {"id", "date"} and not _surely_no_nulls(ext.path, name):
            values = pads.dataset(ext.path, format="parquet").to_table(columns=[name]).column(0)
            index = _first_bad(pc.is_null(values))
            if index is not None:
                raise ExtractError(f"{ext.path}: column {name}: {_where(ext, index)} is empty")
    return from_text


def _engine_type(kind: str) -> str:
    return {
        "date": "date",
        "date?": "date",
        "money": "decimal(18, 2)",
        "number": "float64",
        "int": "int64",
        "bool": "boolean",
    }.get(kind, "string")


def _canonical(
    table: ir.Table, ext: Extract, columns: list[str], from_text: Mapping[str, str]
) -> ir.Table:
    kinds = SCHEMAS[ext.kind]
    exprs: dict[str, Any] = {}
    for column in columns:
        value = table[_source_name(ext, column)]
        kind = kinds[column]
        if column in from_text and kind == "bool":
            exprs[column] = value.strip().lower().isin(sorted(_TRUE))
        elif column in from_text:
            text = value.strip()
            exprs[column] = ibis.ifelse(text == "", ibis.null(), text).cast(_engine_type(kind))
        elif kind == "bool":
            exprs[column] = value.fill_null(False)
        elif _exact_money(kind, value.type()):
            exprs[column] = value  # already cents-exact: no cast on every row
        else:
            exprs[column] = value.cast(_engine_type(kind))
    return table.select(**exprs)


def _exact_money(kind: str, dtype: Any) -> bool:
    """A decimal with 2 places that fits in 18 digits holds exactly the values a
    decimal(18, 2) would, so the file's own type is kept (the generator writes
    decimal(12, 2)); other money types are cast."""
    if kind != "money" or not dtype.is_decimal():
        return False
    return bool(dtype.scale == 2 and dtype.precision is not None and dtype.precision <= 18)


class Workspace:
    """The engine connection plus a folder for converted CSV inputs (Spark reads those
    back as Parquet: it cannot take an in-memory Arrow table with nulls in decimals)."""

    def __init__(self, con: BaseBackend) -> None:
        self.con = con
        self._tmp = tempfile.TemporaryDirectory(prefix="carehub-")
        self._count = 0

    def close(self) -> None:
        self._tmp.cleanup()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _name(self, kind: str) -> str:
        self._count += 1
        return f"carehub_{kind}_{self._count}"

    def load(self, ext: Extract, columns: list[str]) -> ir.Table:
        """The extract as an engine table with carehub's names and types."""
        if not ext.path.exists():
            raise ExtractError(f"{ext.path}: no such file")
        unknown = [c for c in columns if c not in SCHEMAS[ext.kind]]
        if unknown:
            raise ValueError(f"unknown {ext.kind} columns {unknown}")
        if _is_parquet(ext.path):
            from_text = _check_parquet(ext, columns)
            source = str(ext.path / "*.parquet") if ext.path.is_dir() else str(ext.path)
            raw = self.con.read_parquet(source, table_name=self._name(ext.kind))
            return _canonical(raw, ext, columns, from_text)
        arrow = _read_csv(ext, columns)
        name = self._name(ext.kind)
        if self.con.name == "duckdb":
            return self.con.create_table(name, arrow, temp=True)
        path = Path(self._tmp.name) / f"{name}.parquet"
        pq.write_table(arrow, path)
        return self.con.read_parquet(str(path), table_name=name)
