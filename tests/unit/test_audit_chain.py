"""The audit chain's hashing and verification, without a database."""

from __future__ import annotations

from carehub.audit.chain import GENESIS, event_hash, verify


def chain(n: int) -> list[dict]:
    rows, prev = [], GENESIS
    for seq in range(1, n + 1):
        row = {"seq": seq, "occurred_at": f"2026-11-0{seq}T10:00:00+00:00", "actor_id": 7,
               "actor_name": "worker", "organisation_id": 3, "action": "view",
               "object_type": "member", "object_id": str(seq), "member_id": str(seq),
               "ip": "127.0.0.1", "request_id": f"req{seq}", "detail": {"n": seq}}
        row["prev_hash"] = prev
        row["hash"] = prev = event_hash(prev, row)
        rows.append(row)
    return rows


def test_intact_chain():
    report = verify(chain(5))
    assert report.intact and report.events == 5


def test_empty_chain_is_intact():
    assert verify([]).intact


def test_every_field_is_covered_by_the_hash():
    for field in ("occurred_at", "actor_id", "organisation_id", "action", "object_id", "member_id", "ip", "detail"):
        rows = chain(3)
        rows[1][field] = "tampered"
        report = verify(rows)
        assert report.broken_at == 2, field


def test_removed_event_is_named():
    rows = chain(4)
    del rows[1]
    report = verify(rows)
    assert report.broken_at == 3 and "missing" in report.problem


def test_reordered_events_are_caught():
    rows = chain(4)
    rows[1], rows[2] = rows[2], rows[1]
    assert verify(rows).broken_at == 3


def test_hash_depends_on_the_previous_hash():
    row = chain(1)[0]
    assert event_hash(GENESIS, row) != event_hash("f" * 64, row)
