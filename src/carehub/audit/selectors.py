"""Reading the audit trail: an auditor sees their own organisation's events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django_scopes import scopes_disabled

from carehub.audit.chain import ChainReport, verify
from carehub.audit.models import AuditEvent
from carehub.audit.services import hash_fields
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


def _chain_rows(batch: int = 5000) -> Iterator[dict[str, Any]]:
    last = 0
    while True:
        events = list(
            AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:batch]
        )
        if not events:
            return
        for event in events:
            row = hash_fields(event)
            row["prev_hash"] = event.prev_hash
            row["hash"] = event.hash
            yield row
        last = events[-1].seq


def verify_chain() -> ChainReport:
    """Check the whole chain (all organisations): run by operators, not tenants."""
    with scopes_disabled():
        return verify(_chain_rows())
