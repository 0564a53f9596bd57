"""Writing audit events. Every read and write of member data calls `record`."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from carehub.audit.chain import event_hash
from carehub.audit.models import AuditChainHead, AuditEvent
from carehub.tenancy.rls import as_owner

log = logging.getLogger(__name__)


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
) -> AuditEvent:
    """Append one event to the chain.

    Actor and organisation default to the request's signed-in user and active
    organisation, so views need only say what happened.
    """
    if request is not None:
        if actor is None and getattr(request, "user", None) is not None and request.user.is_authenticated:
            actor = request.user
        if organisation is None:
            from carehub.tenancy.access import acting_for

            acting = acting_for(request)
            organisation = acting.organisation if acting else None
    # The chain spans organisations, so it is appended outside the tenant role.
    with transaction.atomic(), as_owner():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            seq=head.last_seq + 1,
            occurred_at=timezone.now(),
            actor=actor if actor is not None and getattr(actor, "pk", None) else None,
            actor_name=str(getattr(actor, "username", "") or ""),
            organisation=organisation,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            member_id="" if member_id is None else str(member_id),
            ip=_client_ip(request),
            request_id=getattr(request, "request_id", "") if request is not None else "",
            detail=detail or {},
            prev_hash=head.last_hash,
        )
        event.hash = event_hash(head.last_hash, hash_fields(event))
        event.save(force_insert=True)
        head.last_seq = event.seq
        head.last_hash = event.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return event


def hash_fields(event: AuditEvent) -> dict[str, Any]:
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
