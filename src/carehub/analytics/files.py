"""Write output files whole or not at all: a temp file in the same folder, then rename."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from carehub.core.spreadsheet import SafeWriter


class OutputError(Exception):
    """An output file cannot be written where asked; the message names it, in one line."""


def check_output(path: Path) -> None:
    """Fail before any work is done when `path` cannot be an output file."""
    path = Path(path)
    folder = path.parent
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name")
    if not folder.exists():
        raise OutputError(f"{path}: folder {folder} does not exist")
    if not folder.is_dir():
        raise OutputError(f"{path}: {folder} is not a folder")


def write_text_atomic(path: Path, text: str) -> None:
    write_texts_atomic([(path, text)])


def write_texts_atomic(outputs: Sequence[tuple[Path, str]]) -> None:
    """Write every file or none: all temp files are written before any is renamed."""
    temps: list[tuple[str, Path]] = []
    try:
        for path, text in outputs:
            path = Path(path)
            check_output(path)
            try:
                handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                                dir=path.parent)
                temps.append((temp, path))
                with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                    out.write(text)
            except OSError as exc:
                raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
        for temp, path in temps:
            try:
                os.replace(temp, path)
            except OSError as exc:
                raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        for temp, _ in temps:
            Path(temp).unlink(missing_ok=True)
        raise


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    # People open these lists in a spreadsheet: no cell may be taken for a formula.
    writer = SafeWriter(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def cell(value: Any) -> str:
    """CSV text for a value: empty for missing, true/false, floats without noise."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)
