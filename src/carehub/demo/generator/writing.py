"""Chunked generation and writing: extracts, network.json and manifest.json, assembled
in a temporary folder and renamed into place."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from carehub.demo import geography
from carehub.demo.generator.arrow import TABLES
from carehub.demo.generator.claims import make_claims
from carehub.demo.generator.members import Context, make_members, member_ids
from carehub.demo.generator.options import (
    CHUNK_MEMBERS,
    GENERATOR_VERSION,
    PCPS_PER_COUNTY,
    GenerateError,
    GenerateOptions,
    claims_window,
    days_since_epoch,
)
from carehub.demo.generator.roster import make_roster
from carehub.demo.generator.screenings import make_screenings
from carehub.demo.identifiers import make_npis
from carehub.demo.network_data import demo_network


class _TableWriter:
    """Writes chunks of one table as Parquet row groups or CSV rows."""

    def __init__(self, path: Path, schema: pa.Schema, fmt: str) -> None:
        self.fmt = fmt
        self.rows = 0
        self._schema = schema
        self._parquet: pq.ParquetWriter | None = None
        self._csv: pacsv.CSVWriter | None = None
        self._path = path

    def write(self, table: pa.Table) -> None:
        self.rows += table.num_rows
        if self.fmt == "parquet":
            if self._parquet is None:
                # store_schema=False: readers see plain strings, not dictionary types.
                self._parquet = pq.ParquetWriter(
                    self._path,
                    table.schema,
                    compression="zstd",
                    compression_level=1,
                    store_schema=False,
                    dictionary_pagesize_limit=4 << 20,
                )
            self._parquet.write_table(table, row_group_size=1 << 20)
        else:
            plain = table.cast(self._schema)
            if self._csv is None:
                self._csv = pacsv.CSVWriter(
                    self._path,
                    self._schema,
                    write_options=pacsv.WriteOptions(quoting_style="needed"),
                )
            self._csv.write_table(plain)

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._csv is not None:
            self._csv.close()
        if self._parquet is None and self._csv is None:  # no rows at all: header only
            self.write(self._schema.empty_table())
            self.close()


def _context(options: GenerateOptions) -> Context:
    start, end = claims_window(options.as_of, options.months)
    rng = np.random.default_rng([options.seed, 0xC0FFEE])
    bases = rng.choice(10**8, size=len(geography.COUNTIES) * PCPS_PER_COUNTY, replace=False)
    pcp = make_npis(bases.astype(np.int64) + 10**8)
    return Context(
        seed=options.seed,
        as_of=days_since_epoch(end),
        window_start=days_since_epoch(start),
        pcp_npis=pcp,
    )


def generate_chunks(
    options: GenerateOptions,
) -> Any:
    """Yield (roster, claims, screenings) Arrow tables, one triple per member chunk."""
    ctx = _context(options)
    for chunk, first in enumerate(range(0, options.members, CHUNK_MEMBERS)):
        n = min(CHUNK_MEMBERS, options.members - first)
        streams = np.random.SeedSequence([options.seed, chunk]).spawn(3)
        member_rng, claims_rng, screen_rng = (np.random.default_rng(s) for s in streams)
        m = make_members(member_rng, first, n, ctx)
        ids = member_ids(m.gidx)
        yield (
            make_roster(m, ctx, ids),
            make_claims(claims_rng, m, ctx, chunk, ids),
            make_screenings(screen_rng, m, ids),
        )


def generate(
    options: GenerateOptions,
    out_dir: Path,
    *,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Write the extracts, network.json and manifest.json into out_dir; return the manifest.

    Output is assembled in a temporary sibling folder and renamed into place, so out_dir
    is either absent, or complete.
    """
    options.validate()
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise GenerateError(f"output path {out_dir} exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not overwrite:
        raise GenerateError(
            f"output folder {out_dir} already exists and is not empty; "
            "choose another folder or pass --overwrite"
        )
    parent = out_dir.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=parent))
    except OSError as exc:
        raise GenerateError(f"cannot write to folder {parent}: {exc.strerror or exc}") from exc

    try:
        manifest = _write_all(options, tmp, progress)
        _move_into_place(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def _write_all(
    options: GenerateOptions, folder: Path, progress: Callable[[int, int], None] | None
) -> dict[str, Any]:
    ext = "parquet" if options.fmt == "parquet" else "csv"
    writers = {
        name: _TableWriter(folder / f"{name}.{ext}", schema, options.fmt)
        for name, schema in TABLES.items()
    }
    done = 0
    try:
        for roster, claims, screenings in generate_chunks(options):
            writers["roster"].write(roster)
            writers["claims"].write(claims)
            writers["screenings"].write(screenings)
            done += min(CHUNK_MEMBERS, options.members - done)
            if progress:
                progress(done, options.members)
    finally:
        for w in writers.values():
            w.close()
    network = demo_network(options.seed)
    (folder / "network.json").write_text(json.dumps(network, indent=2) + "\n", encoding="utf-8")
    start, end = claims_window(options.as_of, options.months)
    manifest: dict[str, Any] = {
        "generator": "carehub.demo.generator",
        "generator_version": GENERATOR_VERSION,
        "seed": options.seed,
        "members": options.members,
        "as_of": options.as_of.isoformat(),
        "months": options.months,
        "claims_window": {"start": start.isoformat(), "end": end.isoformat()},
        "format": options.fmt,
        "files": {name: {"path": f"{name}.{ext}", "rows": w.rows} for name, w in writers.items()}
        | {"network": {"path": "network.json"}},
        "row_counts": {name: w.rows for name, w in writers.items()},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _move_into_place(tmp: Path, out_dir: Path) -> None:
    if out_dir.is_dir():
        # Empty folder: rename replaces it. Non-empty (overwrite): swap, then delete old.
        if not any(out_dir.iterdir()):
            os.rename(tmp, out_dir)
            return
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        os.rename(out_dir, old / "previous")
        os.rename(tmp, out_dir)
        shutil.rmtree(old, ignore_errors=True)
        return
    os.rename(tmp, out_dir)
