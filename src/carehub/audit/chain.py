"""The audit chain's MACs, verification and checkpoint lines, independent of storage.

Each seal gives one event its position in the chain and a MAC: HMAC-SHA256, keyed with
CAREHUB_AUDIT_KEY, over the position, the previous seal's MAC and the event's canonical
content. Without the key nobody can compute a MAC, so a changed, inserted or re-chained
event is caught; the newest seals are compared with checkpoints kept outside the
database, so removing the newest events is caught too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

GENESIS = "0" * 64
SEALED_FIELDS = (
    "seq", "occurred_at", "actor_id", "actor_name", "organisation_id", "action",
    "object_type", "object_id", "member_id", "ip", "request_id", "detail",
)
# An event dated further back than this before events sealed ahead of it in the chain
# was written after the fact (a legitimate request is sealed within minutes).
BACKDATED_AFTER = timedelta(hours=1)


def key_id(key: bytes) -> str:
    """A public name for a key, stored on each seal so verification picks the right key."""
    return hmac.new(key, b"carehub audit key id", hashlib.sha256).hexdigest()[:16]


def canonical(fields: Mapping[str, Any]) -> bytes:
    return json.dumps(
        {name: fields.get(name) for name in SEALED_FIELDS},
        sort_keys=True, separators=(",", ":"), default=str,
    ).encode()


def seal_mac(key: bytes, position: int, prev_mac: str, fields: Mapping[str, Any]) -> str:
    message = f"{position}\n{prev_mac}\n".encode() + canonical(fields)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass
class Link:
    """One seal as stored, with its event's fields (None when the event row is gone)."""

    position: int
    mac: str
    key_id: str
    event_seq: int
    fields: Mapping[str, Any] | None
    occurred_at: datetime | None = None


@dataclass
class Checkpoint:
    position: int
    mac: str
    at: str
    sealed: int
    key_id: str
    line: int = 0

    def format(self) -> str:
        return (f"carehub-audit-checkpoint position={self.position} mac={self.mac} "
                f"at={self.at} sealed={self.sealed} key={self.key_id}")


class CheckpointError(ValueError):
    pass


_CHECKPOINT = re.compile(
    r"carehub-audit-checkpoint position=(\d+) mac=([0-9a-f]{64}) at=(\S+) sealed=(\d+) key=([0-9a-f]{1,64})"
)


def parse_checkpoints(lines: Iterable[str], source: str) -> list[Checkpoint]:
    """Checkpoint lines from a file or a log: other lines around them are skipped
    (so a syslog or journal export can be given as is), a damaged one is an error."""
    found = []
    for number, text in enumerate(lines, start=1):
        if "carehub-audit-checkpoint" not in text:
            continue
        match = _CHECKPOINT.search(text)
        if not match:
            raise CheckpointError(f"{source} line {number}: not a valid checkpoint: {text.strip()[:120]}")
        found.append(Checkpoint(int(match[1]), match[2], match[3], int(match[4]), match[5], number))
    return found


@dataclass
class ChainReport:
    sealed: int = 0
    head_position: int = 0
    head_mac: str = GENESIS
    findings: list[str] = field(default_factory=list)
    unsealed: int = 0
    checkpoints: int = 0

    @property
    def intact(self) -> bool:
        return not self.findings


def verify_links(
    links: Iterable[Link],
    keys: Mapping[str, bytes],
    checkpoints: list[Checkpoint] | None = None,
    source: str = "checkpoints",
) -> ChainReport:
    """Walk seals in position order; one finding per broken link, gap or checkpoint.

    Each link is checked against the stored MAC before it, so one forged or changed
    event is named on its own rather than breaking every later link.
    """
    report = ChainReport()
    wanted: dict[int, list[Checkpoint]] = {}
    for checkpoint in checkpoints or []:
        wanted.setdefault(checkpoint.position, []).append(checkpoint)
    prev_mac = GENESIS
    expected = 1
    latest_time: datetime | None = None
    missing_keys: set[str] = set()
    for link in links:
        report.sealed += 1
        if link.position != expected:
            report.findings.append(
                f"chain positions {expected} to {link.position - 1} are missing: sealed events were removed"
                if link.position > expected else
                f"chain position {link.position} appears again after {expected - 1}: a seal was inserted"
            )
        key = keys.get(link.key_id)
        if link.fields is None:
            report.findings.append(
                f"event {link.event_seq} (chain position {link.position}) is missing: it was deleted"
            )
        elif key is None:
            if link.key_id not in missing_keys:
                missing_keys.add(link.key_id)
                report.findings.append(
                    f"chain position {link.position} was sealed with key {link.key_id}, which is not configured: "
                    "set CAREHUB_AUDIT_OLD_KEYS to verify it"
                )
        elif not hmac.compare_digest(seal_mac(key, link.position, prev_mac, link.fields), link.mac):
            report.findings.append(
                f"event {link.event_seq} (chain position {link.position}) does not match its seal: "
                "the event was changed, or it or its seal was forged"
            )
        if link.occurred_at is not None:
            if latest_time is not None and link.occurred_at < latest_time - BACKDATED_AFTER:
                report.findings.append(
                    f"event {link.event_seq} (chain position {link.position}) is dated {link.occurred_at.isoformat()}, "
                    f"more than {BACKDATED_AFTER} before events sealed ahead of it: it was written after the fact"
                )
            latest_time = max(latest_time or link.occurred_at, link.occurred_at)
        for checkpoint in wanted.pop(link.position, []):
            if not hmac.compare_digest(checkpoint.mac, link.mac):
                report.findings.append(
                    f"checkpoint of {checkpoint.at} ({source} line {checkpoint.line}) does not match chain position "
                    f"{link.position}: the chain was rewritten after it"
                )
        prev_mac = link.mac
        expected = max(expected, link.position + 1)
        report.head_position, report.head_mac = link.position, link.mac
    for position, beyond in sorted(wanted.items()):
        for checkpoint in beyond:
            report.findings.append(
                f"checkpoint of {checkpoint.at} ({source} line {checkpoint.line}) records chain position {position} "
                f"but the chain ends at {report.head_position}: the newest sealed events were removed"
            )
    report.checkpoints = len(checkpoints or [])
    return report
