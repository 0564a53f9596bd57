"""Writing directory entries; each write is audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from carehub.audit import services as audit
from carehub.network import hsds_import
from carehub.network.changes import changed_fields
from carehub.network.models import Location, Service, ServiceAtLocation
from carehub.tenancy.access import Acting


@transaction.atomic
def save_service(service: Service, data: dict[str, Any], *, acting: Acting,
                 verify: bool = True) -> Service:
    """Save a service from cleaned form data; saving confirms (verifies) its details."""
    creating = service._state.adding
    for key in ("languages", "coverage_counties", "coverage_zips"):
        if key in data:
            setattr(service, key, data[key])
    changed = [name for name in changed_fields(service)
               if name not in ("verified_at", "verified_by_id", "hsds_extra")]
    if verify:
        service.verified_at = timezone.now()
        service.verified_by = acting.user if getattr(acting.user, "pk", None) else None
    service.save()
    audit.record("create" if creating else "update", acting=acting,
                 object_type="directory_service", object_id=str(service.pk),
                 detail={"capacity": service.capacity_status,
                         "waitlist": service.waitlist_length, "changed": changed})
    return service


def verify_service(service: Service, *, acting: Acting) -> Service:
    return save_service(service, {}, acting=acting, verify=True)


@transaction.atomic
def save_location(location: Location, services_here: Any = None, *,
                  acting: Acting) -> Location:
    """Save a site; if `services_here` is given, it becomes the site's list of services.

    Each attach and detach is audited on its own (HSDS `service_at_location`), so the
    trail shows when a service started or stopped being offered at a site.
    """
    creating = location._state.adding
    changed = [name for name in changed_fields(location)
               if name not in ("address_id", "hsds_extra")]
    location.save()
    if creating or changed:
        audit.record("create" if creating else "update", acting=acting,
                     object_type="directory_location", object_id=str(location.pk),
                     detail={"changed": changed, "organisation": location.organisation_id})
    if services_here is not None:
        set_services_at_location(location, services_here, acting=acting)
    return location


@transaction.atomic
def set_services_at_location(location: Location, services_here: Any, *,
                             acting: Acting) -> tuple[list[str], list[str]]:
    """Attach and detach services so exactly `services_here` are offered at `location`.

    Returns the ids attached and detached. Services must belong to the site's
    organisation: a site lists what its own organisation offers there.
    """
    wanted = {s.pk: s for s in services_here}
    foreign = [s.name for s in wanted.values() if s.organisation_id != location.organisation_id]
    if foreign:
        raise ValueError(f"not services of {location.organisation}: {', '.join(foreign)}")
    existing = {sal.service_id: sal for sal in location.services_here.all()}
    attached, detached = [], []
    for service_id in wanted.keys() - existing.keys():
        sal = ServiceAtLocation.objects.create(service=wanted[service_id], location=location)
        attached.append(str(service_id))
        audit.record("create", acting=acting,
                     object_type="directory_service_at_location", object_id=str(sal.pk),
                     detail={"service": str(service_id), "location": str(location.pk)})
    for service_id in existing.keys() - wanted.keys():
        sal = existing[service_id]
        sal_id = str(sal.pk)
        sal.delete()
        detached.append(str(service_id))
        audit.record("delete", acting=acting,
                     object_type="directory_service_at_location", object_id=sal_id,
                     detail={"service": str(service_id), "location": str(location.pk)})
    return sorted(attached), sorted(detached)


def import_hsds(path: Path, *, acting: Acting) -> hsds_import.ImportResult:
    """Load HSDS documents (a JSON file, an export folder or a CSV package) into the
    directory: all or nothing, audited as one event naming what was imported.

    Raises `hsds_import.HsdsImportError` (naming the file and path) for a bad document;
    then nothing is saved.
    """
    result = hsds_import.ImportResult()
    with transaction.atomic():
        hsds_import.load_path(path, result)
        audit.record("create", acting=acting, object_type="hsds_import",
                     object_id=str(path)[-200:],
                     detail={"organisations": len(result.organisations),
                             "services": len(result.services),
                             "locations": len(result.locations)})
    return result
