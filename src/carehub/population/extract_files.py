"""Payer extract files on disk: uploads streamed into the plan's dataset folder chunk by
chunk (hashed on the way, never held in memory), then checked by the analytics reader
the eligibility job uses, so a file accepted here is one the job can read."""

from __future__ import annotations

import csv
import hashlib
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
from django.conf import settings

from carehub.analytics.eligibility import CLAIM_COLUMNS, ROSTER_COLUMNS
from carehub.analytics.engines import connect
from carehub.analytics.extracts import ExtractError, Workspace, extract

SUFFIXES = (".csv", ".parquet")
COLUMNS = {"roster": ROSTER_COLUMNS, "claims": CLAIM_COLUMNS}
HASH_BLOCK = 1024 * 1024


class DatasetProblem(ValueError):
    """A file that cannot be a dataset's extract: the file's name and what is wrong
    (its column and row when the reader knows them)."""

    def __init__(self, file: str, message: str) -> None:
        super().__init__(f"{file}: {message}")
        self.file = file
        self.message = message
        self.field: str | None = None  # the form field (roster, claims) it came from


@dataclass(frozen=True)
class StoredFile:
    kind: str
    name: str  # as uploaded
    path: Path  # absolute, under VAR_DIR
    sha256: str
    rows: int
    columns: list[str]
    period_start: date | None = None
    period_end: date | None = None

    @property
    def relative(self) -> str:
        return str(self.path.relative_to(settings.VAR_DIR))


def max_bytes() -> int:
    return int(settings.CAREHUB_DATASET_MAX_BYTES)


def new_folder(plan_id: int) -> Path:
    folder = Path(settings.VAR_DIR) / "datasets" / str(plan_id) / uuid.uuid4().hex
    folder.mkdir(parents=True)
    return folder


def absolute(relative: str) -> Path:
    return Path(settings.VAR_DIR) / relative


def remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def suffix_of(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise DatasetProblem(name, "expected a .csv or .parquet file")
    return suffix


def too_large(limit: int) -> str:
    return f"the file is larger than the {limit / 1024**2:,.0f} MB allowed"


def stream_to(chunks: Iterable[bytes], path: Path, *, name: str, size: int | None) -> str:
    """Write the chunks to `path`, returning their sha256; refuse past the size limit."""
    limit = max_bytes()
    if size is not None and size > limit:
        raise DatasetProblem(name, too_large(limit))
    digest = hashlib.sha256()
    written = 0
    with path.open("wb") as out:
        for chunk in chunks:
            written += len(chunk)
            if written > limit:
                raise DatasetProblem(name, too_large(limit))
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while block := source.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _header(path: Path) -> list[str]:
    if path.suffix.lower() == ".parquet":
        return list(pq.read_schema(path).names)
    with path.open(encoding="utf-8", newline="") as source:
        return next(csv.reader(source), [])


def check(kind: str, path: Path, *, name: str, sha256: str) -> StoredFile:
    """Read the extract as the eligibility job will; DatasetProblem names the uploaded
    file (not where it was stored), the column and the first bad row."""
    try:
        columns = _header(path)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DatasetProblem(name, f"unreadable: {exc}") from None
    period: dict[str, date | None] = {"start": None, "end": None}
    try:
        with Workspace(connect("duckdb")) as ws:
            table = ws.load(extract(kind, path, {}), COLUMNS[kind])
            rows = int(ws.con.execute(table.count()))
            if kind == "claims" and rows:
                found = ws.con.to_pyarrow(table.aggregate(
                    start=table.service_from.min(), end=table.service_to.max())).to_pylist()[0]
                period = {"start": found["start"], "end": found["end"]}
    except ExtractError as exc:
        text = str(exc).replace(f"{path}: ", "").replace(str(path), name)
        raise DatasetProblem(name, text) from None
    if rows == 0:
        raise DatasetProblem(name, "the file has no rows")
    return StoredFile(kind, name, path, sha256, rows, columns, period["start"], period["end"])
