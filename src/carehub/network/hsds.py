"""Open Referral HSDS 3.0: the directory as compiled JSON documents and as CSV tables.

Each HSDS property carehub has columns for is *mapped* (a writer turns columns into the
HSDS value, a reader turns an HSDS value back into column values). Everything else an
imported document carried is kept in `hsds_extra`. On export a mapped property uses the
imported value while the columns still say what it said (so nothing is lost), and the
value written from the columns once someone has edited them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from carehub.network.models import Location, OrganisationProfile, Service, ServiceAtLocation

HSDS_VERSION = "3.0"
PROFILE_URL = "https://docs.openreferral.org/en/latest/hsds/"
SERVICE_TYPE_TAXONOMY = "carehub-service-types"
COUNTY_AREA = "County"
ZIP_AREA = "ZIP codes"

Json = dict[str, Any]
Reader = Callable[[Any], Any]
Writer = Callable[[Any], Any]


def stable_id(parent: uuid.UUID | str, what: str) -> str:
    """A UUID for a generated sub-object that stays the same from export to export."""
    return str(uuid.uuid5(uuid.UUID(str(parent)), what))


# -- capacity as HSDS `wait_time` ---------------------------------------------------------
_WAITLIST = re.compile(r"^Waitlist(?:: (\d+) waiting)?$")


def capacity_text(status: str, waitlist_length: int | None) -> str:
    if status == "waitlist":
        return "Waitlist" if waitlist_length is None else f"Waitlist: {waitlist_length} waiting"
    return "Closed to new referrals" if status == "closed" else "Accepting new referrals"


def capacity_from_text(text: Any) -> tuple[str, int | None]:
    if not isinstance(text, str):
        return ("accepting", None)
    match = _WAITLIST.match(text.strip())
    if match:
        return ("waitlist", int(match.group(1)) if match.group(1) else None)
    if text.strip() == "Closed to new referrals":
        return ("closed", None)
    return ("accepting", None)


# -- service ------------------------------------------------------------------------------
def _service_columns(service: Service) -> dict[str, Any]:
    return {
        "name": service.name,
        "description": service.description,
        "status": service.status,
        "eligibility_description": service.eligibility_description,
        "languages": list(service.languages),
        "service_areas": (list(service.coverage_counties), list(service.coverage_zips)),
        "schedules": service.hours,
        "wait_time": (service.capacity_status, service.waitlist_length),
        "assured_date": service.verified_at.date().isoformat() if service.verified_at else None,
    }


def _languages_reader(value: Any) -> list[str]:
    return [str(x["name"]) for x in value or [] if isinstance(x, dict) and x.get("name")]


def _areas_reader(value: Any) -> tuple[list[str], list[str]]:
    counties: list[str] = []
    zips: list[str] = []
    for area in value or []:
        if not isinstance(area, dict) or area.get("extent_type") != "text":
            continue
        if area.get("description") == COUNTY_AREA and area.get("extent"):
            counties.append(str(area["extent"]))
        elif area.get("description") == ZIP_AREA and area.get("extent"):
            zips.extend(str(area["extent"]).split())
    return counties, zips


def _schedules_reader(value: Any) -> str:
    texts = [str(x["description"]) for x in value or [] if isinstance(x, dict) and x.get("description")]
    return texts[0] if texts else ""


SERVICE_READERS: dict[str, Reader] = {
    "name": lambda v: v or "",
    "description": lambda v: v or "",
    "status": lambda v: v or "active",
    "eligibility_description": lambda v: v or "",
    "languages": _languages_reader,
    "service_areas": _areas_reader,
    "schedules": _schedules_reader,
    "wait_time": capacity_from_text,
    "assured_date": lambda v: v or None,
}


def _service_writers(service: Service) -> dict[str, Writer]:
    sid = service.id

    def areas(value: tuple[list[str], list[str]]) -> list[Json]:
        counties, zips = value
        out = [
            {"id": stable_id(sid, f"county:{c}"), "name": c, "description": COUNTY_AREA,
             "extent": c, "extent_type": "text"}
            for c in counties
        ]
        if zips:
            out.append({"id": stable_id(sid, "zips"), "name": ZIP_AREA, "description": ZIP_AREA,
                        "extent": " ".join(zips), "extent_type": "text"})
        return out

    return {
        "name": lambda v: v,
        "description": lambda v: v,
        "status": lambda v: v,
        "eligibility_description": lambda v: v,
        "languages": lambda v: [{"id": stable_id(sid, f"language:{x}"), "name": x} for x in v],
        "service_areas": areas,
        "schedules": lambda v: (
            [{"id": stable_id(sid, "hours"), "description": v}] if v else []
        ),
        "wait_time": lambda v: capacity_text(*v),
        "assured_date": lambda v: v,
    }


def _merge(extra: Json, columns: dict[str, Any], readers: dict[str, Reader],
           writers: dict[str, Writer]) -> Json:
    """Imported values where the columns still agree with them, else written from columns."""
    out: Json = {k: v for k, v in extra.items() if k not in readers}
    for key, value in columns.items():
        if key in extra and readers[key](extra[key]) == value:
            out[key] = extra[key]
            continue
        written = writers[key](value)
        if written in ("", None, []):
            continue
        out[key] = written
    return out


def _empty_is_absent(doc: Json) -> Json:
    return {k: v for k, v in doc.items() if v not in ("", None)}


def service_attribute(service: Service) -> Json:
    """The carehub service type, as an HSDS attribute with a taxonomy term."""
    stype = service.service_type
    return {
        "id": stable_id(service.id, "service-type"),
        "link_type": "service_type",
        "link_entity": "service",
        "value": stype.slug,
        "taxonomy_term": {
            "id": stable_id(uuid.NAMESPACE_URL, f"{SERVICE_TYPE_TAXONOMY}:{stype.slug}"),
            "code": stype.slug, "name": stype.name, "description": stype.description or stype.name,
            "taxonomy": SERVICE_TYPE_TAXONOMY,
        },
    }


def service_list_item(service: Service) -> Json:
    """The one-to-one fields of a service (HSDS `service_list`)."""
    full = service_document(service, nested=False)
    return {k: v for k, v in full.items() if not isinstance(v, list | dict)}


def service_document(service: Service, *, nested: bool = True,
                     with_organization: bool = True) -> Json:
    """A service in the compiled form of `schema/compiled/service.json`."""
    extra = dict(service.hsds_extra or {})
    doc = _merge(extra, _service_columns(service), SERVICE_READERS, _service_writers(service))
    doc["id"] = str(service.id)
    doc["organization_id"] = str(profile_for(service.organisation).id)
    if "last_modified" not in extra:
        doc["last_modified"] = _iso(service.updated_at)
    if "assurer_email" not in extra and service.verified_by and service.verified_by.email:
        doc["assurer_email"] = service.verified_by.email
    attributes = [a for a in doc.get("attributes", [])
                  if not _is_type_attribute(a)] + [service_attribute(service)]
    doc["attributes"] = attributes
    if nested:
        if with_organization:
            doc["organization"] = organization_document(
                profile_for(service.organisation), nested=False)
        else:
            doc.pop("organization", None)
        doc["service_at_locations"] = [
            service_at_location_document(sal, with_service=False)
            for sal in service.at_locations.select_related("location").order_by("location__name")
        ]
    else:
        for key in ("organization", "service_at_locations"):
            doc.pop(key, None)
    return _empty_is_absent(doc)


def _is_type_attribute(attribute: Any) -> bool:
    term = attribute.get("taxonomy_term") if isinstance(attribute, dict) else None
    return isinstance(term, dict) and term.get("taxonomy") == SERVICE_TYPE_TAXONOMY


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# -- organisation -------------------------------------------------------------------------
def profile_for(organisation: Any) -> OrganisationProfile:
    """The organisation's directory entry, made on first use (its HSDS id must not change)."""
    from django_scopes import scopes_disabled

    with scopes_disabled():
        profile, _ = OrganisationProfile.objects.get_or_create(organisation=organisation)
    return profile


ORG_READERS: dict[str, Reader] = {
    "name": lambda v: v or "",
    "description": lambda v: v or "",
    "email": lambda v: v or "",
    "website": lambda v: v or "",
    "phones": lambda v: (v[0].get("number", "") if v and isinstance(v[0], dict) else ""),
}


def organization_document(profile: OrganisationProfile, *, nested: bool = True) -> Json:
    """An organisation in the compiled form of `schema/compiled/organization.json`."""
    org = profile.organisation
    columns = {
        "name": org.name,
        # HSDS requires a description; the name stands in until one is written.
        "description": profile.description or org.name,
        "email": profile.email, "website": profile.website, "phones": profile.phone,
    }
    writers: dict[str, Writer] = {
        "name": lambda v: v, "description": lambda v: v, "email": lambda v: v,
        "website": lambda v: v,
        "phones": lambda v: [{"id": stable_id(profile.id, "phone"), "number": v}] if v else [],
    }
    doc = _merge(dict(profile.hsds_extra or {}), columns, ORG_READERS, writers)
    doc["id"] = str(profile.id)
    if org.tin and "tax_id" not in doc:
        doc["tax_id"] = org.tin
    from django_scopes import scopes_disabled

    # Locations belong to the organisation in every compiled form; services only when
    # the organisation is the document, not when it is nested inside a service.
    with scopes_disabled():
        locations = list(Location.objects.filter(organisation=org).order_by("name"))
        if locations:
            doc["locations"] = [location_document(loc) for loc in locations]
        if nested:
            services = list(Service.objects.filter(organisation=org).select_related(
                "service_type", "organisation", "verified_by").order_by("name"))
            doc["services"] = [service_document(s, with_organization=False) for s in services]
    return _empty_is_absent(doc)


def organization_list_item(profile: OrganisationProfile) -> Json:
    full = organization_document(profile, nested=False)
    return {k: v for k, v in full.items() if not isinstance(v, list | dict)}


# -- location and service at location ------------------------------------------------------
def location_document(location: Location) -> Json:
    extra = dict(location.hsds_extra or {})
    address = {
        "id": str(location.address_id), "address_1": location.address_1, "city": location.city,
        "region": location.county, "state_province": location.state_province,
        "postal_code": location.postal_code, "country": location.country,
        "address_type": "physical",
    }
    columns = {
        "name": location.name,
        "location_type": location.location_type,
        "addresses": {k: v for k, v in address.items() if k not in ("id", "address_type")},
        "phones": location.phone,
        "schedules": location.hours,
    }
    readers: dict[str, Reader] = {
        "name": lambda v: v or "",
        "location_type": lambda v: v or "physical",
        "addresses": _address_reader,
        "phones": ORG_READERS["phones"],
        "schedules": _schedules_reader,
    }
    writers: dict[str, Writer] = {
        "name": lambda v: v,
        "location_type": lambda v: v,
        "addresses": lambda v: [_empty_is_absent(address)] if location.address_1 else [],
        "phones": lambda v: [{"id": stable_id(location.id, "phone"), "number": v}] if v else [],
        "schedules": lambda v: [{"id": stable_id(location.id, "hours"), "description": v}] if v else [],
    }
    doc = _merge(extra, columns, readers, writers)
    doc["id"] = str(location.id)
    if location.latitude is not None and "latitude" not in extra:
        doc["latitude"] = float(location.latitude)
        doc["longitude"] = float(location.longitude) if location.longitude is not None else None
    return _empty_is_absent(doc)


ADDRESS_FIELDS = ("address_1", "city", "region", "state_province", "postal_code", "country")


def _address_reader(value: Any) -> dict[str, str]:
    first = value[0] if isinstance(value, list) and value and isinstance(value[0], dict) else {}
    out = {k: str(first.get(k) or "") for k in ADDRESS_FIELDS}
    out["country"] = out["country"] or "US"
    return out


def service_at_location_document(sal: ServiceAtLocation, *, with_service: bool = False) -> Json:
    doc: Json = {k: v for k, v in (sal.hsds_extra or {}).items() if k not in ("location", "service")}
    doc["id"] = str(sal.id)
    if sal.description or "description" not in doc:
        doc["description"] = sal.description
    location = location_document(sal.location)
    if with_service:
        # The list form (`service_at_location_list`) carries one-to-one fields only.
        for key in list(doc):
            if isinstance(doc[key], list):
                del doc[key]
        location = {k: v for k, v in location.items() if not isinstance(v, list | dict)}
        doc["service_id"] = str(sal.service_id)
        doc["location_id"] = str(sal.location_id)
    doc["location"] = location
    return _empty_is_absent(doc)
