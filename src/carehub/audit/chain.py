"""The audit chain's hashing and verification, independent of how rows are stored."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
HASHED_FIELDS = (
    "seq", "occurred_at", "actor_id", "actor_name", "organisation_id", "action",
    "object_type", "object_id", "member_id", "ip", "request_id", "detail",
)


def event_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    payload = json.dumps(
        {name: fields.get(name) for name in HASHED_FIELDS},
        sort_keys=True, separators=(",", ":"), default=str,
    )
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


@dataclass
class ChainReport:
    events: int
    broken_at: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify(rows: Iterable[Mapping[str, Any]]) -> ChainReport:
    """Walk rows in sequence order; report the first one that does not follow."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    for row in rows:
        count += 1
        seq = row["seq"]
        if seq != expected_seq:
            return ChainReport(count, seq, f"sequence jumps from {expected_seq - 1} to {seq}: events are missing")
        if row["prev_hash"] != prev:
            return ChainReport(count, seq, "its previous-hash does not match the event before it")
        if event_hash(prev, row) != row["hash"]:
            return ChainReport(count, seq, "its content does not match its hash: the row was changed")
        prev = row["hash"]
        expected_seq += 1
    return ChainReport(count)
