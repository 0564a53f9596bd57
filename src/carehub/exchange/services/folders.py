"""The drop folders: CAREHUB_VAR/exchange/<counterparty slug>/<data set folder>/ with
in/ (files waiting), done/ (processed, with their receipts), refused/ (refused, with
their receipts) and out/ (files carehub wrote for the other side).

A file is picked up from in/ only when it has not changed for `SETTLE_SECONDS` (a file
still being copied in is left for the next run); names starting with "." or ending in
".part" or ".tmp" are never picked up.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from django.conf import settings

from carehub.exchange.models import DataSet

SUBFOLDERS = ("in", "done", "refused", "out")
SETTLE_SECONDS = 2.0
IGNORED_SUFFIXES = (".part", ".tmp", ".filepart")


def root() -> Path:
    return Path(settings.VAR_DIR) / "exchange"


def folder_of(data_set: DataSet) -> Path:
    return root() / data_set.counterparty.slug / data_set.folder


def ensure(data_set: DataSet) -> Path:
    base = folder_of(data_set)
    for name in SUBFOLDERS:
        (base / name).mkdir(parents=True, exist_ok=True)
    return base


def relative(path: Path) -> str:
    """A path as stored on a delivery: relative to CAREHUB_VAR."""
    return str(path.resolve().relative_to(Path(settings.VAR_DIR).resolve()))


def absolute(stored: str) -> Path | None:
    """The file a delivery's stored path names, or None when it is outside CAREHUB_VAR."""
    if not stored:
        return None
    base = Path(settings.VAR_DIR).resolve()
    path = (base / stored).resolve()
    return path if path.is_relative_to(base) else None


def waiting(data_set: DataSet, *, settle: float | None = None) -> list[Path]:
    """Files waiting in the data set's in/ folder, oldest first."""
    inbox = ensure(data_set) / "in"
    quiet = SETTLE_SECONDS if settle is None else settle
    now = time.time()
    found = []
    for entry in os.scandir(inbox):
        if not entry.is_file() or entry.name.startswith(".") or \
                entry.name.endswith(IGNORED_SUFFIXES):
            continue
        if now - entry.stat().st_mtime < quiet:
            continue
        found.append(Path(entry.path))
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))


def move(path: Path, data_set: DataSet, where: str, prefix: str) -> Path:
    """Move a processed file to done/ or refused/ as `<prefix>-<name>`."""
    target = ensure(data_set) / where / f"{prefix}-{path.name}"
    shutil.move(str(path), target)
    return target


def write_beside(path: Path, suffix: str, text: str) -> Path:
    receipt = path.with_name(path.name + suffix)
    tmp = receipt.with_name(receipt.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, receipt)
    return receipt
