"""Reading the audit trail: an auditor sees their own organisation's events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit.chain import (
    ChainReport,
    Checkpoint,
    CheckpointError,
    Link,
    parse_checkpoints,
    verify_links,
)
from carehub.audit.keys import verification_keys
from carehub.audit.models import AuditEvent, AuditSeal
from carehub.audit.services import sealed_fields
from carehub.tenancy.models import Organisation


def events_for(
    organisation: Organisation,
    *,
    action: str = "",
    actor: str = "",
    object_type: str = "",
    member_id: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.filter(organisation=organisation).select_related("actor")
    if action:
        qs = qs.filter(action=action)
    if actor:
        qs = qs.filter(actor_name__icontains=actor)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if member_id:
        qs = qs.filter(member_id=member_id)
    if since:
        qs = qs.filter(occurred_at__date__gte=since)
    if until:
        qs = qs.filter(occurred_at__date__lte=until)
    return qs.order_by("-seq")


def _links(batch: int = 5000) -> Iterator[Link]:
    last = 0
    while True:
        seals = list(AuditSeal.objects.filter(position__gt=last).order_by("position")[:batch])
        if not seals:
            return
        events = AuditEvent.objects.in_bulk([s.event_id for s in seals])
        for seal in seals:
            event = events.get(seal.event_id)
            yield Link(seal.position, seal.mac, seal.key_id, seal.event_id,
                       sealed_fields(event) if event else None, event.occurred_at if event else None)
        last = seals[-1].position


def read_checkpoints(path: Path) -> list[Checkpoint]:
    """Checkpoint lines of `path`; CheckpointError names a damaged line."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return parse_checkpoints(handle, str(path))
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot be read: {exc.strerror}") from exc


def verify_chain(
    checkpoints: Path | None = None,
    *,
    max_unsealed_age: timedelta = timedelta(minutes=15),
    now: datetime | None = None,
) -> ChainReport:
    """Check the whole chain (all organisations) with the key, against the checkpoints.

    Run by operators, not tenants. Reads only: sealing is `services.seal`.
    """
    path = Path(checkpoints or settings.AUDIT_CHECKPOINTS)
    marks = read_checkpoints(path)
    with scopes_disabled():
        report = verify_links(_links(), verification_keys(), marks, source=str(path))
        if report.sealed and not marks:
            report.findings.append(
                f"no checkpoints in {path}: the removal of the newest sealed events could not be checked"
            )
        pending = AuditEvent.objects.filter(seal__isnull=True)
        report.unsealed = pending.count()
        cutoff = (now or timezone.now()) - max_unsealed_age
        stale = pending.filter(occurred_at__lt=cutoff)
        count = stale.count()
        if count:
            oldest = stale.order_by("occurred_at").first()
            assert oldest is not None
            report.findings.append(
                f"{count} events older than {max_unsealed_age} are not sealed (oldest: event {oldest.seq} "
                f"of {oldest.occurred_at.isoformat()}): is `carehub audit seal` running? "
                "(`seal --full` picks up events the routine seal passed over)"
            )
    return report
