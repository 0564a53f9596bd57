"""Writing directory entries; each write is audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from carehub.audit import services as audit
from carehub.network.models import Service


@transaction.atomic
def save_service(request: HttpRequest | None, user: Any, service: Service,
                 data: dict[str, Any], *, verify: bool = True) -> Service:
    """Save a service from cleaned form data; saving confirms (verifies) its details."""
    creating = service._state.adding
    for key in ("languages", "coverage_counties", "coverage_zips"):
        if key in data:
            setattr(service, key, data[key])
    if verify:
        service.verified_at = timezone.now()
        service.verified_by = user
    service.save()
    audit.record("create" if creating else "update", request=request, actor=user,
                 organisation=service.organisation if request is None else None,
                 object_type="directory_service", object_id=str(service.pk),
                 detail={"capacity": service.capacity_status,
                         "waitlist": service.waitlist_length})
    return service


def verify_service(request: HttpRequest | None, user: Any, service: Service) -> Service:
    return save_service(request, user, service, {}, verify=True)
