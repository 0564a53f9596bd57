"""Writing audit events. Every read and write of member data calls `record`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit.chain import GENESIS, Checkpoint, key_id, seal_mac
from carehub.audit.keys import signing_key
from carehub.audit.models import AuditEvent, AuditSeal
from carehub.tenancy.rls import as_owner

log = logging.getLogger(__name__)
checkpoint_log = logging.getLogger("carehub.audit.checkpoint")


class CheckpointWriteError(OSError):
    def __init__(self, message: str, checkpoint: Checkpoint) -> None:
        super().__init__(message)
        self.checkpoint = checkpoint


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: str,
    *,
    object_type: str,
    object_id: str = "",
    request: HttpRequest | None = None,
    actor: Any = None,
    organisation: Any = None,
    member_id: str | int | None = None,
    detail: dict[str, Any] | None = None,
    acting: Any = None,
) -> AuditEvent:
    """Record one event (sealed into the chain later by `seal`).

    Services pass `acting` (a `tenancy.access.Acting`): its user, organisation, request
    id and address are the event's. Without it, actor and organisation default to the
    request's signed-in user and active organisation.
    """
    ip = _client_ip(request)
    request_id = getattr(request, "request_id", "") if request is not None else ""
    if acting is not None:
        actor = acting.user if actor is None else actor
        organisation = acting.organisation if organisation is None else organisation
        ip = ip or acting.ip
        request_id = request_id or acting.request_id
    if request is not None:
        if actor is None and getattr(request, "user", None) is not None and request.user.is_authenticated:
            actor = request.user
        if organisation is None:
            from carehub.tenancy.access import acting_for

            acting = acting_for(request)
            organisation = acting.organisation if acting else None
    # Only an insert: no lock and no read of the chain, so concurrent requests never wait
    # on each other here. The sealer chains the event afterwards (`seal`). Events span
    # organisations, so they are written outside the tenant role.
    with transaction.atomic(), as_owner():
        return AuditEvent.objects.create(
            occurred_at=timezone.now(),
            actor=actor if actor is not None and getattr(actor, "pk", None) else None,
            actor_name=str(getattr(actor, "username", "") or ""),
            organisation=organisation,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            member_id="" if member_id is None else str(member_id),
            ip=ip,
            request_id=request_id,
            detail=detail or {},
        )


def sealed_fields(event: AuditEvent) -> dict[str, Any]:
    """The content a seal's MAC covers, as read back from the database."""
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "organisation_id": event.organisation_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "member_id": event.member_id,
        "ip": event.ip,
        "request_id": event.request_id,
        "detail": event.detail,
    }


@dataclass
class SealResult:
    sealed: int
    position: int
    mac: str
    checkpoint: Checkpoint | None = None


# An event whose request transaction stays open longer than this after the sealer last
# ran may be missed by the routine seal (and is then reported by verify); `seal --full`
# looks at every event.
RESCAN_HORIZON = timedelta(hours=1)
SEAL_BATCH = 2000
# Any fixed number, the same in every process: names the sealer's advisory lock.
SEALER_LOCK = 0x61756469742D7365


def _lock_sealer() -> None:
    """One sealer at a time: the rest wait here, then see what it sealed."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEALER_LOCK])
        else:
            # SQLite: a write (of nothing) takes the database's write lock now, before the
            # head is read, instead of failing at the first insert after another sealer.
            cursor.execute("UPDATE audit_auditseal SET position = position WHERE 0 = 1")


def _scan_floor() -> int:
    """Where a routine run starts looking: the highest event seq sealed an horizon before
    the previous run. An event below it was inserted before that seal, so unless its
    transaction stayed open longer than the horizon, the previous run already saw it."""
    latest = AuditSeal.objects.order_by("-position").values_list("sealed_at", flat=True).first()
    if latest is None:
        return 0
    floor = (AuditSeal.objects.filter(sealed_at__lt=latest - RESCAN_HORIZON)
             .order_by("-position").values_list("high_event_seq", flat=True).first())
    return floor or 0


def seal(*, full: bool = False, write_checkpoint: bool = True) -> SealResult:
    """Chain every committed, unsealed event in insertion order; append a checkpoint.

    Idempotent and safe to run concurrently: a second run waits for the first and then
    finds nothing left to seal (and writes no checkpoint).
    """
    key = signing_key()
    kid = key_id(key)
    sealed = 0
    floor: int | None = None
    last_seen = 0
    with scopes_disabled():
        while True:
            with transaction.atomic(), as_owner():
                _lock_sealer()
                if floor is None:
                    floor = -(2**63) if full else _scan_floor()  # full: even rows put below 1 by hand
                    last_seen = floor
                head = AuditSeal.objects.order_by("-position").first()
                position = head.position if head else 0
                prev_mac = head.mac if head else GENESIS
                high = head.high_event_seq if head else 0
                batch = list(AuditEvent.objects.filter(seq__gt=last_seen, seal__isnull=True)
                             .order_by("seq")[:SEAL_BATCH])
                if not batch:
                    break
                now = timezone.now()
                seals = []
                for event in batch:
                    position += 1
                    high = max(high, event.seq)
                    prev_mac = seal_mac(key, position, prev_mac, sealed_fields(event))
                    seals.append(AuditSeal(position=position, event=event, mac=prev_mac, key_id=kid,
                                           sealed_at=now, high_event_seq=high))
                AuditSeal.objects.bulk_create(seals)
                sealed += len(seals)
                last_seen = batch[-1].seq
    result = SealResult(sealed, position, prev_mac)
    if sealed and write_checkpoint:
        result.checkpoint = Checkpoint(position, prev_mac, timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"), sealed, kid)
        append_checkpoint(result.checkpoint)
    return result


def append_checkpoint(checkpoint: Checkpoint) -> None:
    """One line per seal run, appended (a single write, so concurrent runs do not mix)."""
    path = Path(settings.AUDIT_CHECKPOINTS)
    line = checkpoint.format()
    checkpoint_log.info("%s", line)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    except OSError as exc:
        raise CheckpointWriteError(f"checkpoint not written to {path}: {exc.strerror}", checkpoint) from exc
