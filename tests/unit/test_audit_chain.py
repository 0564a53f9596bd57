"""The audit chain's MACs, verification and checkpoint lines, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from carehub.audit.chain import (
    GENESIS,
    Checkpoint,
    CheckpointError,
    Link,
    key_id,
    parse_checkpoints,
    seal_mac,
    verify_links,
)

KEY = b"unit-test-audit-key-0123456789abcdef"
OTHER_KEY = b"an-attackers-guess-at-the-key-000000"
KEYS = {key_id(KEY): KEY}
START = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


def event(seq: int, minutes: int | None = None) -> dict:
    at = START + timedelta(minutes=seq if minutes is None else minutes)
    return {"seq": seq, "occurred_at": at.isoformat(), "actor_id": 7, "actor_name": "worker",
            "organisation_id": 3, "action": "view", "object_type": "member", "object_id": str(seq),
            "member_id": str(seq), "ip": "127.0.0.1", "request_id": f"req{seq}", "detail": {"n": seq}}


def seal_all(events: list[dict], key: bytes = KEY, start: int = 1, prev: str = GENESIS) -> list[Link]:
    links = []
    for position, fields in enumerate(events, start=start):
        prev = seal_mac(key, position, prev, fields)
        links.append(Link(position, prev, key_id(key), fields["seq"], fields,
                          datetime.fromisoformat(fields["occurred_at"])))
    return links


def chain(n: int) -> list[Link]:
    # Event seqs need not follow positions (gaps from rolled-back requests): 10, 20, 30...
    return seal_all([event(10 * i) for i in range(1, n + 1)])


def checkpoint(link: Link, line: int = 1) -> Checkpoint:
    return Checkpoint(link.position, link.mac, "2026-11-01T12:00:00Z", 1, link.key_id, line)


def test_intact_chain():
    report = verify_links(chain(5), KEYS)
    assert report.intact and report.sealed == 5 and report.head_position == 5


def test_empty_chain_is_intact():
    assert verify_links([], KEYS).intact


def test_every_field_is_covered_by_the_mac():
    for name in ("seq", "occurred_at", "actor_id", "actor_name", "organisation_id", "action", "object_type",
                 "object_id", "member_id", "ip", "request_id", "detail"):
        links = chain(3)
        links[1].fields = {**links[1].fields, name: "tampered"}  # type: ignore[dict-item]
        report = verify_links(links, KEYS)
        assert len(report.findings) == 1, name
        assert "event 20 (chain position 2) does not match its seal" in report.findings[0]


def test_rewriting_an_event_and_recomputing_later_macs_without_the_key_is_caught():
    links = chain(4)
    forged = [dict(link.fields) for link in links[1:]]  # type: ignore[arg-type]
    forged[0]["object_id"] = "forged"
    links[1:] = seal_all(forged, key=OTHER_KEY, start=2, prev=links[0].mac)
    for link in links[1:]:
        link.key_id = key_id(KEY)  # claims to be sealed with the real key
    report = verify_links(links, KEYS)
    assert not report.intact
    assert "event 20 (chain position 2)" in report.findings[0]


def test_removed_event_is_named():
    links = chain(4)
    del links[1]
    report = verify_links(links, KEYS)
    assert "chain positions 2 to 2 are missing" in report.findings[0]


def test_a_sealed_event_whose_row_is_gone_is_named():
    links = chain(3)
    links[2].fields = None
    assert verify_links(links, KEYS).findings == ["event 30 (chain position 3) is missing: it was deleted"]


def test_reordered_events_are_caught():
    links = chain(4)
    links[1].fields, links[2].fields = links[2].fields, links[1].fields
    assert not verify_links(links, KEYS).intact


def test_mac_depends_on_the_previous_mac_the_position_and_the_key():
    fields = event(1)
    mac = seal_mac(KEY, 1, GENESIS, fields)
    assert mac != seal_mac(KEY, 1, "f" * 64, fields)
    assert mac != seal_mac(KEY, 2, GENESIS, fields)
    assert mac != seal_mac(OTHER_KEY, 1, GENESIS, fields)


def test_removing_the_newest_events_is_caught_by_a_checkpoint():
    links = chain(5)
    mark = checkpoint(links[4], line=3)
    assert verify_links(links, KEYS, [mark]).intact
    report = verify_links(links[:3], KEYS, [mark], source="cp.log")
    assert report.findings == [
        "checkpoint of 2026-11-01T12:00:00Z (cp.log line 3) records chain position 5 but the chain ends at 3: "
        "the newest sealed events were removed"
    ]


def test_a_rewritten_chain_does_not_match_an_earlier_checkpoint():
    links = chain(3)
    mark = checkpoint(links[2])
    # Even with the key, a rewritten chain ends at a different MAC from the checkpoint's.
    rewritten = [dict(link.fields) for link in links]  # type: ignore[arg-type]
    rewritten[0]["object_id"] = "forged"
    report = verify_links(seal_all(rewritten), KEYS, [mark])
    assert len(report.findings) == 1 and "does not match chain position 3" in report.findings[0]


def test_a_seal_with_an_unknown_key_is_reported_once():
    links = seal_all([event(1), event(2)], key=OTHER_KEY)
    report = verify_links(links, KEYS)
    assert len(report.findings) == 1 and "not configured" in report.findings[0]


def test_verification_spans_a_key_change():
    old, new = b"old-key" * 6, b"new-key" * 6
    links = seal_all([event(1), event(2)], key=old)
    links += seal_all([event(3)], key=new, start=3, prev=links[-1].mac)
    assert verify_links(links, {key_id(old): old, key_id(new): new}).intact
    assert not verify_links(links, {key_id(new): new}).intact


def test_a_backdated_event_is_reported():
    links = seal_all([event(1), event(2, minutes=200), event(3, minutes=100)])
    report = verify_links(links, KEYS)
    assert len(report.findings) == 1 and "event 3 (chain position 3) is dated" in report.findings[0]


def test_checkpoint_lines_round_trip_inside_log_lines():
    mark = Checkpoint(12, "a" * 64, "2026-11-01T12:00:00Z", 4, "0123456789abcdef")
    text = ["Nov  1 12:00:00 host carehub: " + mark.format(), "unrelated line", mark.format()]
    parsed = parse_checkpoints(text, "x.log")
    assert [(c.position, c.mac, c.sealed, c.key_id, c.line) for c in parsed] == [
        (12, "a" * 64, 4, "0123456789abcdef", 1), (12, "a" * 64, 4, "0123456789abcdef", 3)]


def test_a_damaged_checkpoint_line_is_named():
    with pytest.raises(CheckpointError, match="x.log line 2: not a valid checkpoint"):
        parse_checkpoints(["", "carehub-audit-checkpoint position=3 mac=zz"], "x.log")
