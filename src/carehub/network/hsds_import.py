"""Reading HSDS 3.0 documents (compiled JSON, or the CSV tabular package) into the directory.

Organisations unknown to carehub become CBO organisations. Every property the directory
has no column for is kept in `hsds_extra`, so exporting again gives the document back.

This module reads and checks documents and maps them onto directory rows; it is entered
only through `network.services.import_hsds`, which holds the transaction (all or nothing)
and audits the import. `load_path` refuses to run outside a transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import DataError, transaction
from django.utils.text import slugify
from django_scopes import scopes_disabled

from carehub.core.textinput import TextInputError, parse_json, read_text
from carehub.network import hsds
from carehub.network.models import (
    Location,
    OrganisationProfile,
    Service,
    ServiceAtLocation,
    ServiceType,
)
from carehub.tenancy.models import Organisation, OrganisationKind

IMPORTED_TYPE = ("other", "Other (imported)")
# Sub-objects carehub stores as rows of its own, not inside `hsds_extra`.
NESTED_ROWS = {"organization", "service_at_locations", "locations", "services", "location",
               "service"}


class HsdsImportError(ValueError):
    """A document that cannot be loaded; the message names the file and the path."""


@dataclass
class ImportResult:
    organisations: set[str] = field(default_factory=set)
    services: set[str] = field(default_factory=set)
    locations: set[str] = field(default_factory=set)

    def summary(self) -> str:
        return (f"{len(self.organisations)} organisations, {len(self.services)} services, "
                f"{len(self.locations)} locations")


def _uuid(value: Any, where: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        raise HsdsImportError(f"{where}.id: {value!r} is not a UUID (HSDS 3.0 ids are UUIDs)") from None


def _extra(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "id" and k not in NESTED_ROWS}


def import_organization(doc: dict[str, Any], result: ImportResult, where: str = "organization",
                        *, with_services: bool = True) -> OrganisationProfile:
    if not isinstance(doc, dict) or not doc.get("name"):
        raise HsdsImportError(f"{where}: an organization needs an id and a name")
    _text(doc, "name", where)
    pid = _uuid(doc.get("id"), where)
    profile = OrganisationProfile.objects.select_related("organisation").filter(pk=pid).first()
    if profile is None:
        slug = f"{slugify(doc['name'])[:60]}-{str(pid)[:8]}"
        org, _ = Organisation.objects.get_or_create(
            slug=slug, defaults={"kind": OrganisationKind.CBO, "name": doc["name"][:200],
                                 "legal_name": str(doc.get("legal_status") or doc["name"])[:200]},
        )
        profile = OrganisationProfile(id=pid, organisation=org)
    org = profile.organisation
    if org.name != doc["name"]:
        org.name = str(doc["name"])[:200]
        org.save(update_fields=["name"])
    profile.description = str(doc.get("description") or "")
    profile.email = str(doc.get("email") or "")[:254]
    profile.website = str(doc.get("website") or "")[:200]
    profile.phone = hsds.ORG_READERS["phones"](doc.get("phones"))[:40]
    profile.hsds_extra = _extra(doc)
    profile.save()
    result.organisations.add(str(pid))
    for i, loc in enumerate(doc.get("locations") or []):
        import_location(loc, org, result, f"{where}.locations[{i}]")
    if with_services:
        for i, svc in enumerate(doc.get("services") or []):
            import_service(svc, result, f"{where}.services[{i}]", organisation=org)
    return profile


def import_location(doc: dict[str, Any], org: Organisation, result: ImportResult,
                    where: str) -> Location:
    lid = _uuid(doc.get("id") if isinstance(doc, dict) else None, where)
    location = Location.objects.filter(pk=lid).first() or Location(id=lid, organisation=org)
    address = hsds._address_reader(doc.get("addresses"))
    first = (doc.get("addresses") or [{}])[0]
    if isinstance(first, dict) and first.get("id"):
        location.address_id = _uuid(first["id"], f"{where}.addresses[0]")
    location.name = str(doc.get("name") or "")[:200]
    location.location_type = str(doc.get("location_type") or "physical")
    location.address_1 = address["address_1"][:200]
    location.city = address["city"][:100]
    location.county = address["region"][:100]
    location.state_province = address["state_province"][:60]
    location.postal_code = address["postal_code"][:20]
    location.country = address["country"][:2]
    location.phone = hsds.ORG_READERS["phones"](doc.get("phones"))[:40]
    location.hours = hsds._schedules_reader(doc.get("schedules"))[:300]
    location.hsds_extra = _extra(doc)
    location.save()
    result.locations.add(str(lid))
    return location


def _service_type(doc: dict[str, Any]) -> ServiceType:
    for attribute in doc.get("attributes") or []:
        if hsds._is_type_attribute(attribute):
            term = attribute["taxonomy_term"]
            stype, _ = ServiceType.objects.get_or_create(
                slug=str(term.get("code")), defaults={"name": str(term.get("name") or term.get("code"))}
            )
            return stype
    stype, _ = ServiceType.objects.get_or_create(
        slug=IMPORTED_TYPE[0], defaults={"name": IMPORTED_TYPE[1], "position": 999}
    )
    return stype


def import_service(doc: dict[str, Any], result: ImportResult, where: str = "service", *,
                   organisation: Organisation | None = None) -> Service:
    if not isinstance(doc, dict) or not doc.get("name"):
        raise HsdsImportError(f"{where}: a service needs an id, a name and a status")
    _text(doc, "name", where)
    _text(doc, "status", where)
    sid = _uuid(doc.get("id"), where)
    if isinstance(doc.get("organization"), dict):
        organisation = import_organization(doc["organization"], result, f"{where}.organization",
                                           with_services=False).organisation
    elif organisation is None and doc.get("organization_id"):
        profile = OrganisationProfile.objects.filter(pk=_uuid(doc["organization_id"], where)).first()
        organisation = profile.organisation if profile else None
    if organisation is None:
        raise HsdsImportError(f"{where}.organization_id: no such organization in this import")
    service = Service.objects.filter(pk=sid).first() or Service(id=sid, organisation=organisation)
    service.organisation = organisation
    service.service_type = _service_type(doc)
    service.name = str(doc["name"])[:200]
    service.description = str(doc.get("description") or "")
    service.status = str(doc.get("status") or "active")[:20]
    service.eligibility_description = str(doc.get("eligibility_description") or "")
    service.languages = hsds._languages_reader(doc.get("languages"))
    service.coverage_counties, service.coverage_zips = hsds._areas_reader(doc.get("service_areas"))
    service.hours = hsds._schedules_reader(doc.get("schedules"))[:300]
    service.capacity_status, service.waitlist_length = hsds.capacity_from_text(doc.get("wait_time"))
    assured = doc.get("assured_date")
    try:
        service.verified_at = (
            datetime.fromisoformat(str(assured)).replace(tzinfo=UTC) if assured else None
        )
    except ValueError:
        raise HsdsImportError(f"{where}.assured_date: {str(assured)[:40]!r} is not a date "
                              "(YYYY-MM-DD)") from None
    extra = _extra(doc)
    extra.pop("organization_id", None)
    # Our own service-type attribute is regenerated on export.
    attributes = [a for a in extra.get("attributes") or [] if not hsds._is_type_attribute(a)]
    if attributes:
        extra["attributes"] = attributes
    else:
        extra.pop("attributes", None)
    service.hsds_extra = extra
    service.save()
    result.services.add(str(sid))
    for i, sal_doc in enumerate(doc.get("service_at_locations") or []):
        path = f"{where}.service_at_locations[{i}]"
        loc_doc = sal_doc.get("location") if isinstance(sal_doc, dict) else None
        if not isinstance(loc_doc, dict):
            raise HsdsImportError(f"{path}.location: required")
        location = import_location(loc_doc, organisation, result, f"{path}.location")
        sal_id = _uuid(sal_doc.get("id"), path)
        ServiceAtLocation.objects.update_or_create(
            id=sal_id, defaults={"service": service, "location": location,
                                 "description": str(sal_doc.get("description") or ""),
                                 "hsds_extra": _extra(sal_doc)},
        )
    return service


def _text(doc: dict[str, Any], key: str, where: str) -> None:
    value = doc.get(key)
    if value is not None and not isinstance(value, str):
        raise HsdsImportError(f"{where}.{key}: expected text, got {type(value).__name__}")


def _import_file_document(doc: Any, result: ImportResult, where: str) -> None:
    """One file's document; a value of the wrong shape deeper down names the file, not a
    traceback (the import is one transaction, so nothing of it is kept)."""
    try:
        import_document(doc, result, where)
    except HsdsImportError:
        raise
    except (TypeError, AttributeError, KeyError, ValueError, DataError) as exc:
        raise HsdsImportError(f"{where}: not a valid HSDS document "
                              f"({type(exc).__name__}: {str(exc).splitlines()[0][:120]})") from None


def import_document(doc: Any, result: ImportResult, where: str) -> None:
    """A compiled service or organization document, or a paginated list of either."""
    if isinstance(doc, dict) and isinstance(doc.get("contents"), list):
        for i, item in enumerate(doc["contents"]):
            import_document(item, result, f"{where}.contents[{i}]")
        return
    if not isinstance(doc, dict):
        raise HsdsImportError(f"{where}: expected an HSDS service or organization object")
    looks_like_service = "status" in doc or "service_at_locations" in doc or "organization" in doc
    if looks_like_service:
        import_service(doc, result, where)
    else:
        import_organization(doc, result, where)


def load_path(path: Path, result: ImportResult) -> ImportResult:
    """Load a JSON file, a folder of JSON files (the export layout) or a CSV package folder.

    Called by `network.services.import_hsds` inside its transaction: one bad document
    raises HsdsImportError and the service's transaction keeps nothing.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("load_path writes the directory: call network.services.import_hsds")
    with scopes_disabled():
        if path.is_dir() and (path / "services.csv").exists():
            from carehub.network.hsds_tabular import read_package

            for where, doc in read_package(path):
                _import_file_document(doc, result, where)
        elif path.is_dir():
            files = sorted(path.glob("organizations/*.json")) + sorted(path.glob("services/*.json"))
            if (path / "csv").is_dir() and not files:
                return load_path(path / "csv", result)
            if not files:
                raise HsdsImportError(f"{path}: no organizations/*.json, services/*.json or "
                                      "services.csv found")
            for file in files:
                _import_file_document(_load_json(file), result, file.name)
        else:
            _import_file_document(_load_json(path), result, path.name)
    return result


def _load_json(path: Path) -> Any:
    try:
        return parse_json(read_text(path))
    except TextInputError as exc:
        raise HsdsImportError(f"{path}: {exc}") from None

