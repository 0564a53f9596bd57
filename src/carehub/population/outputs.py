"""A run's ranked list on disk: one Parquet file per run under VAR_DIR/eligibility/<plan>/,
written whole or not at all, read a page (a slice of one row group) at a time."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings

from carehub.analytics.eligibility import EligibilityResult

PAGE = 50
# A page never crosses a row group: the group size is a multiple of the page size.
ROW_GROUP = PAGE * 400
SCHEMA = pa.schema([("member_id", pa.string()), ("rank", pa.int64()),
                    ("selected", pa.bool_()), ("reasons", pa.string()),
                    ("measures", pa.string())])


def output_path(plan_id: int, run_id: int) -> Path:
    folder = Path(settings.VAR_DIR) / "eligibility" / str(plan_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"run-{run_id}.parquet"


def _measures(values: dict[str, Any]) -> str:
    return json.dumps(values, sort_keys=True, default=str)


def write_list(result: EligibilityResult, path: Path,
               advance: Callable[[int], None] = lambda n: None) -> str:
    """Write the ranked list; return the sha256 of its rows (member, rank, selected,
    reasons, measures), the same for the same list whatever the file's bytes."""
    digest = hashlib.sha256()
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        with pq.ParquetWriter(temp, SCHEMA) as writer:
            for start in range(0, max(len(result.ranked), 1), ROW_GROUP):
                block = result.ranked[start:start + ROW_GROUP]
                columns: dict[str, list[Any]] = {name: [] for name in SCHEMA.names}
                for m in block:
                    measures = _measures(m.measures)
                    columns["member_id"].append(m.member_id)
                    columns["rank"].append(m.rank)
                    columns["selected"].append(m.selected)
                    columns["reasons"].append(m.reasons)
                    columns["measures"].append(measures)
                    digest.update(f"{m.member_id}\t{m.rank}\t{int(m.selected)}\t{m.reasons}\t"
                                  f"{measures}\n".encode())
                writer.write_table(pa.table(columns, schema=SCHEMA), row_group_size=ROW_GROUP)
                advance(len(block))
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return digest.hexdigest()


def _file(run: Any) -> Path:
    return Path(settings.VAR_DIR) / run.output_path


@dataclass
class Page:
    rows: list[dict[str, Any]]
    number: int
    pages: int
    total: int

    @property
    def start(self) -> int:
        return (self.number - 1) * PAGE + 1 if self.total else 0

    @property
    def end(self) -> int:
        return min(self.number * PAGE, self.total)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page(run: Any, number: int) -> Page:
    """Page `number` (from 1; out of range gives the nearest) of the run's list."""
    source = pq.ParquetFile(_file(run))
    total = source.metadata.num_rows
    pages = max(1, -(-total // PAGE))
    number = min(max(1, number), pages)
    offset = (number - 1) * PAGE
    if not total:
        return Page([], 1, 1, 0)
    group = source.read_row_group(offset // ROW_GROUP)
    rows = group.slice(offset % ROW_GROUP, PAGE).to_pylist()
    for row in rows:
        row["measures"] = json.loads(row["measures"])
    return Page(rows, number, pages, total)


def selected_rows(run: Any, top: int | None) -> list[dict[str, Any]]:
    """The selected members in rank order, the first `top` of them when given."""
    table = pq.read_table(_file(run), filters=[("selected", "=", True)])
    rows = table.sort_by("rank").to_pylist()
    return rows[:top] if top else rows


def selected_ids(run: Any) -> list[str]:
    table = pq.read_table(_file(run), columns=["member_id", "rank"],
                          filters=[("selected", "=", True)])
    return [str(m) for m in table.sort_by("rank").column("member_id").to_pylist()]


@dataclass
class Comparison:
    new: list[str]
    dropped: list[str]
    kept: list[str]


def compare(run: Any, previous: Any) -> Comparison:
    """Selected members new in `run`, dropped since `previous`, and kept (in rank order)."""
    now, before = selected_ids(run), selected_ids(previous)
    now_set, before_set = set(now), set(before)
    return Comparison(new=[m for m in now if m not in before_set],
                      dropped=[m for m in before if m not in now_set],
                      kept=[m for m in now if m in before_set])
