"""Writing the bundle: each table to its own file (CSV or Parquet, a chunk at a time:
never a whole table in memory), each FHIR resource type to its NDJSON file, then
README.md (the data dictionary) and manifest.json (files, rows, SHA-256), all in one zip
written next to its final place and moved there only when complete."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq
from django.db.models import QuerySet
from django.utils import timezone

from carehub.core.spreadsheet import SafeWriter
from carehub.exchange.export_bundle.fhir import FHIR_FILES, FhirFile
from carehub.exchange.export_bundle.rows import Context
from carehub.exchange.export_bundle.tables import TABLES, Column, Table, plain

FORMATS = ("csv", "parquet")
CHUNK = 2000
BUNDLE_VERSION = 1


class Steps(Protocol):
    """What the writer reports to: a job's `Progress` (or nothing)."""

    def stage(self, name: str, total: int | None = None, *, done: int = 0) -> None: ...

    def advance(self, steps: int = 1) -> None: ...

    def check_cancelled(self) -> None: ...


@dataclass
class FileEntry:
    path: str
    kind: str  # table | fhir | readme
    rows: int
    bytes: int
    sha256: str
    name: str = ""  # the table or resource type


@dataclass
class Manifest:
    organisation: dict[str, Any]
    format: str
    created: str
    files: list[FileEntry] = field(default_factory=list)
    version: int = BUNDLE_VERSION

    def as_json(self) -> dict[str, Any]:
        return {"bundle": "carehub organisation export", "version": self.version,
                "created": self.created, "organisation": self.organisation,
                "format": self.format, "files": [asdict(f) for f in self.files]}

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files if f.kind == "table")


def chunks(qs: QuerySet[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in qs.iterator(chunk_size=size):
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- cells -------------------------------------------------------------------------


def csv_text(value: Any) -> str:
    """A value as the CSV files write it (docs/export.md, "Reading the files")."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def arrow_type(type_: str) -> pa.DataType:
    if type_.startswith("decimal("):
        precision, scale = (int(x) for x in type_[8:-1].split(","))
        return pa.decimal128(precision, scale)
    return {"string": pa.string(), "text": pa.string(), "json": pa.string(),
            "integer": pa.int64(), "boolean": pa.bool_(), "date": pa.date32(),
            "timestamp": pa.timestamp("us", tz="UTC")}[type_]


def arrow_schema(table: Table) -> pa.Schema:
    return pa.schema([pa.field(c.name, arrow_type(c.type), nullable=True,
                               metadata={"meaning": c.meaning}) for c in table.columns],
                     metadata={"table": table.name, "meaning": table.meaning})


def values(rows: Sequence[Any], columns: Sequence[Column], ctx: Context) -> list[list[Any]]:
    return [[plain(c.value(row, ctx)) for c in columns] for row in rows]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- one file each ------------------------------------------------------------------

OnRows = Callable[[Table, list[Any]], None]


def write_table(table: Table, ctx: Context, fmt: str, path: Path, *,
                steps: Steps | None = None, on_rows: OnRows | None = None) -> int:
    qs = table.query(ctx)
    count = 0
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = SafeWriter(handle)
            writer.writerow([c.name for c in table.columns])
            for batch in chunks(qs):
                for row in values(batch, table.columns, ctx):
                    writer.writerow([csv_text(v) for v in row])
                count += len(batch)
                _after(table, batch, steps, on_rows)
    else:
        schema = arrow_schema(table)
        with pq.ParquetWriter(str(path), schema, compression="zstd") as writer:
            wrote = False
            for batch in chunks(qs):
                rows = values(batch, table.columns, ctx)
                arrays = [pa.array([r[i] for r in rows], type=schema.field(i).type)
                          for i in range(len(table.columns))]
                writer.write_batch(pa.record_batch(arrays, schema=schema))
                wrote = True
                count += len(batch)
                _after(table, batch, steps, on_rows)
            if not wrote:
                writer.write_table(schema.empty_table())
    return count


def _after(table: Table, batch: list[Any], steps: Steps | None,
           on_rows: OnRows | None) -> None:
    if on_rows is not None:
        on_rows(table, batch)
    if steps is not None:
        steps.advance(len(batch))
        steps.check_cancelled()


def write_ndjson(spec: FhirFile, ctx: Context, path: Path, *,
                 steps: Steps | None = None) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for batch in chunks(spec.query(ctx)):
            for resource in spec.resources(batch, ctx):
                handle.write(json.dumps(resource, separators=(",", ":"), sort_keys=True))
                handle.write("\n")
                count += 1
            if steps is not None:
                steps.advance(len(batch))
                steps.check_cancelled()
    return count


# --- the bundle ---------------------------------------------------------------------


def write_bundle(ctx: Context, out: Path, fmt: str, *, steps: Steps | None = None,
                 on_rows: OnRows | None = None, tables: Iterable[Table] = TABLES,
                 fhir_files: Iterable[FhirFile] | None = None) -> Manifest:
    """Write the organisation's bundle to `out` (a .zip); returns its manifest."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    tables = tuple(tables)
    fhir = tuple(FHIR_FILES if fhir_files is None else fhir_files)
    org = ctx.organisation
    manifest = Manifest(organisation={"id": org.pk, "slug": org.slug, "name": org.name,
                                      "kind": org.kind},
                        format=fmt, created=timezone.now().astimezone(UTC).isoformat())
    work = out.parent / f".{out.name}.work"
    shutil.rmtree(work, ignore_errors=True)
    (work / "fhir").mkdir(parents=True)
    try:
        if steps is not None:
            total = (sum(t.query(ctx).count() for t in tables)
                     + sum(f.query(ctx).count() for f in fhir))
            steps.stage("Writing the tables and FHIR files", total)
        for table in tables:
            name = table.file_name(fmt)
            rows = write_table(table, ctx, fmt, work / name, steps=steps, on_rows=on_rows)
            manifest.files.append(_entry(work, name, "table", rows, table.name))
        for spec in fhir:
            name = f"fhir/{spec.file_name}"
            rows = write_ndjson(spec, ctx, work / name, steps=steps)
            manifest.files.append(_entry(work, name, "fhir", rows, spec.resource_type))
        from carehub.exchange.export_bundle.readme import readme

        (work / "README.md").write_text(readme(manifest, tables, fhir), encoding="utf-8")
        manifest.files.append(_entry(work, "README.md", "readme", 0, "README"))
        (work / "manifest.json").write_text(
            json.dumps(manifest.as_json(), indent=2) + "\n", encoding="utf-8")
        partial = out.with_name(out.name + ".part")
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED,
                             allowZip64=True) as bundle:
            bundle.write(work / "manifest.json", "manifest.json")
            for entry in manifest.files:
                bundle.write(work / entry.path, entry.path)
        os.replace(partial, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        out.with_name(out.name + ".part").unlink(missing_ok=True)
    return manifest


def _entry(work: Path, name: str, kind: str, rows: int, what: str) -> FileEntry:
    path = work / name
    return FileEntry(path=name, kind=kind, rows=rows, bytes=path.stat().st_size,
                     sha256=file_sha256(path), name=what)


