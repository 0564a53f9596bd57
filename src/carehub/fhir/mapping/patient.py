"""members.Member → Patient (US Core shape: identifier, name, gender; no SDOHCC profile)."""

from __future__ import annotations

from carehub.fhir.mapping.common import (
    V2_0203,
    Json,
    coding,
    compact,
    concept,
    day,
    meta,
    ref,
    site_system,
)
from carehub.members.models import Member

GENDER = {"F": "female", "M": "male", "U": "unknown"}


def member_id_system(plan_slug: str) -> str:
    """The identifier system of one plan's member ids."""
    return site_system(f"sid/organisation/{plan_slug}/member-id")


def patient(member: Member) -> Json:
    plan = member.plan
    telecom = [{"system": "phone", "value": member.phone_display, "use": "home"} if member.phone
               else None,
               {"system": "phone", "value": member.phone_alt_display, "use": "mobile"}
               if member.phone_alt else None,
               {"system": "email", "value": member.email} if member.email else None]
    address = {"use": "home", "line": [member.address] if member.address else [],
               "city": member.city, "district": member.county, "state": member.state,
               "postalCode": member.zip}
    resource: Json = {
        "resourceType": "Patient",
        "id": str(member.pk),
        "meta": meta(updated=member.updated_at),
        "identifier": [{
            "use": "usual",
            "type": concept(coding(V2_0203, "MB", "Member Number")),
            "system": member_id_system(plan.slug),
            "value": member.member_id,
            "assigner": ref("Organization", plan.pk, plan.name),
        }],
        "active": True,
        "name": [{"use": "official", "family": member.last_name, "given": [member.first_name]}],
        "telecom": [t for t in telecom if t],
        "gender": GENDER.get(member.sex, "unknown"),
        "birthDate": day(member.birth_date),
        "address": [address] if any(v for k, v in address.items() if k != "use") else [],
        "communication": [{"language": {"text": member.language}}] if member.language else [],
        "managingOrganization": ref("Organization", plan.pk, plan.name),
    }
    return compact(resource)
