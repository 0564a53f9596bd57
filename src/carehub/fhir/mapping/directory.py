"""The network directory → SDOHCC Location and SDOHCC HealthcareService.

A Location needs a name and an address (SDOHCC Location 1..1). A HealthcareService in
the SDOHCC profile is `active` (fixed true) and has at least one appointment contact
(telecom with the SDOHCC-ExtensionHealthcareServiceTelecomAppointment extension): the
phone of its sites, else the organisation's directory phone or e-mail. A service that
is not active, or has no contact at all, is written as a base R4 HealthcareService
without the profile claim, so nothing claims a profile it does not meet.
"""

from __future__ import annotations

from collections.abc import Iterable

from carehub.fhir.mapping.common import (
    Json,
    coding,
    compact,
    concept,
    meta,
    profile,
    ref,
    site_system,
)
from carehub.network.models import Location, OrganisationProfile, Service

APPOINTMENT_EXT = ("http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/"
                   "SDOHCC-ExtensionHealthcareServiceTelecomAppointment")
LOCATION_MODE = "http://terminology.hl7.org/CodeSystem/location-physical-type"


def service_type_system() -> str:
    return site_system("CodeSystem/service-type")


def _address(location: Location) -> Json:
    return compact({
        "use": "work",
        "type": "postal" if location.location_type == "postal" else "physical",
        "text": location.one_line_address or location.name,
        "line": [location.address_1] if location.address_1 else [],
        "city": location.city,
        "district": location.county,
        "state": location.state_province,
        "postalCode": location.postal_code,
        "country": location.country,
    })


def location(loc: Location) -> Json:
    resource: Json = {
        "resourceType": "Location",
        "id": str(loc.pk),
        "meta": meta(profile("Location"), updated=loc.updated_at),
        "status": "active",
        "name": loc.name,
        "mode": "instance",
        "telecom": [{"system": "phone", "value": loc.phone, "use": "work"}] if loc.phone else [],
        "address": _address(loc),
        "managingOrganization": ref("Organization", loc.organisation_id),
        "hoursOfOperation": [],
        "availabilityExceptions": loc.hours,
    }
    if loc.location_type == "virtual":
        resource["physicalType"] = concept(coding(LOCATION_MODE, "vi", "Virtual"))
    if loc.latitude is not None and loc.longitude is not None:
        resource["position"] = {"latitude": float(loc.latitude), "longitude": float(loc.longitude)}
    return compact(resource)


def _contacts(locations: Iterable[Location], directory: OrganisationProfile | None) -> list[Json]:
    contacts: list[Json] = []
    seen: set[tuple[str, str]] = set()
    candidates = [("phone", loc.phone) for loc in locations if loc.phone]
    if directory is not None:
        candidates += [("phone", directory.phone), ("email", directory.email)]
    for system, value in candidates:
        if value and (system, value) not in seen:
            seen.add((system, value))
            contacts.append({"extension": [{"url": APPOINTMENT_EXT, "valueBoolean": True}],
                             "system": system, "value": value, "use": "work"})
    return contacts


def healthcare_service(service: Service, *, locations: Iterable[Location] | None = None,
                       directory: OrganisationProfile | None = None) -> Json:
    """`locations` are the sites the service runs at (default: its ServiceAtLocation rows);
    `directory` the organisation's directory entry, for a contact when no site has one."""
    sites = list(locations) if locations is not None else [
        sal.location for sal in service.at_locations.select_related("location")]
    contacts = _contacts(sites, directory)
    active = service.status == "active"
    claims_profile = active and bool(contacts)
    resource: Json = {
        "resourceType": "HealthcareService",
        "id": str(service.pk),
        "meta": meta(profile("HealthcareService") if claims_profile else None,
                     updated=service.updated_at),
        "active": active,
        "providedBy": ref("Organization", service.organisation_id),
        "type": [concept(coding(service_type_system(), service.service_type.slug,
                                service.service_type.name), text=service.service_type.name)],
        "location": [ref("Location", site.pk, site.name) for site in sites],
        "name": service.name,
        "comment": service.description[:1000] if service.description else "",
        "telecom": contacts,
        "coverageArea": [{"display": area} for area in
                         [*service.coverage_counties, *service.coverage_zips]],
        "eligibility": ([{"comment": service.eligibility_description}]
                        if service.eligibility_description else []),
        "communication": [{"text": lang} for lang in service.languages],
        "availabilityExceptions": service.hours,
    }
    return compact(resource)
