"""Checking and reading a roster or ranked list in constant memory, for the import jobs.

`members.imports.parse_roster` builds a list of every row; a 100,000-row roster as a job
must not. Here the rows are checked one at a time from disk (`check_roster`,
`check_ranked`) with the same messages, and then read again in chunks (`roster_chunks`,
`ranked_chunks`) for saving. The one file-wide check, a repeated key, keeps 8 bytes per
row (a digest in an array), not the rows: repeats are found by sorting the digests, and
only the keys that repeat are read again to name their rows.
"""

from __future__ import annotations

import hashlib
import itertools
from array import array
from collections.abc import Callable, Iterator
from typing import Any

from carehub.members.imports import (
    MAX_ERRORS,
    RANKED_REQUIRED,
    ROSTER_REQUIRED,
    ImportProblem,
    RankedRow,
    RosterRow,
    Table,
    _check_columns,
    _Checker,
    _text,
    ranked_row,
    roster_row,
)


def digest(key: str) -> int:
    """8 bytes standing for a key (a collision only makes a check read a row again)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big",
                          signed=True)


def _repeated(digests: array) -> set[int]:
    """The digests that occur more than once: sorted in place as 8-byte integers (numpy
    over the array's own buffer), never as a list of Python ints."""
    import numpy as np

    if len(digests) < 2:
        return set()
    ordered = np.frombuffer(digests, dtype=np.int64).copy()
    ordered.sort()
    same = ordered[1:][ordered[1:] == ordered[:-1]]
    return {int(value) for value in np.unique(same)}


def _sorted_errors(check: _Checker) -> list[tuple[int, str, str]]:
    return sorted(check.errors, key=lambda e: e[0])[:MAX_ERRORS]


def _roster_key(raw: dict[str, Any], check: _Checker, index: int) -> str:
    start = check.date(index, "enroll_start", raw.get("enroll_start"))
    return f"{_text(raw.get('member_id'))}\x1f{start.isoformat() if start else ''}"


def check_roster(source: str, rows: Table, *,
                 every: Callable[[int], None] | None = None) -> tuple[int, set[int]]:
    """Check every row of a roster; the number of rows and the digests (`digest`) of the
    member ids on more than one row, or ImportProblem listing every problem (row and
    column) as `parse_roster` does. `every(n)` is called per 1,000 rows."""
    _check_columns(source, rows, ROSTER_REQUIRED)
    check = _Checker()
    quiet = _Checker()  # the key's own date problems are reported by roster_row
    digests = array("q")
    members = array("q")
    count = 0
    for index, raw in enumerate(rows, start=2):
        if _text(raw.get("member_id")):
            digests.append(digest(_roster_key(raw, quiet, index)))
            members.append(digest(_text(raw.get("member_id"))))
        roster_row(check, index, raw)
        count += 1
        if every is not None and count % 1000 == 0:
            every(1000)
    repeated = _repeated(digests)
    del digests
    if repeated:
        seen: dict[str, int] = {}
        for index, raw in enumerate(rows, start=2):
            mid = _text(raw.get("member_id"))
            key = _roster_key(raw, quiet, index)
            if not mid or digest(key) not in repeated:
                continue
            if key in seen:
                check.fail(index, "member_id", f"{mid} with enroll_start "
                                               f"{key.split(chr(31))[1]} repeats row {seen[key]}")
            else:
                seen[key] = index
    if check.errors:
        raise ImportProblem(source, _sorted_errors(check))
    return count, _repeated(members)


def check_ranked(source: str, rows: Table, *,
                 every: Callable[[int], None] | None = None) -> int:
    """Check every row of a ranked list as `parse_ranked_list` does; the number of rows."""
    _check_columns(source, rows, RANKED_REQUIRED)
    check = _Checker()
    digests = array("q")
    count = 0
    for index, raw in enumerate(rows, start=2):
        mid = _text(raw.get("member_id"))
        if mid:
            digests.append(digest(mid))
        ranked_row(check, index, raw)
        count += 1
        if every is not None and count % 1000 == 0:
            every(1000)
    repeated = _repeated(digests)
    del digests
    if repeated:
        seen: dict[str, int] = {}
        for index, raw in enumerate(rows, start=2):
            mid = _text(raw.get("member_id"))
            if not mid or digest(mid) not in repeated:
                continue
            if mid in seen:
                check.fail(index, "member_id", f"{mid} repeats row {seen[mid]}")
            else:
                seen[mid] = index
    if check.errors:
        raise ImportProblem(source, _sorted_errors(check))
    return count


def _chunks(rows: Table, size: int, start: int,
            parse: Callable[[_Checker, int, dict[str, Any]], Any]) -> Iterator[list[Any]]:
    check = _Checker()
    chunk: list[Any] = []
    for index, raw in enumerate(itertools.islice(rows, start, None), start=start + 2):
        row = parse(check, index, raw)
        if row is None:  # checked before saving; a file changed under us is refused earlier
            raise ImportProblem(str(rows.path), check.errors or [(index, "", "unreadable row")])
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def roster_chunks(rows: Table, size: int, *, start: int = 0) -> Iterator[list[RosterRow]]:
    """Checked roster rows from row `start` (0-based, after the header), `size` at a time."""
    return _chunks(rows, size, start, lambda c, i, raw: roster_row(c, i, raw))


def ranked_chunks(rows: Table, size: int, *, start: int = 0) -> Iterator[list[RankedRow]]:
    """Checked ranked-list rows from row `start`, `size` at a time."""
    return _chunks(rows, size, start, ranked_row)
