"""tenancy.Organisation → Organization: payer, community care hub (the IG's coordination
platform) or community-based organisation, with its NPI and TIN where it has them."""

from __future__ import annotations

from carehub.fhir.mapping.common import NPI, TIN, Json, coding, compact, concept, meta, site_system
from carehub.tenancy.models import Organisation

ORGANIZATION_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
# R4's organization-type codes: payer → pay; a CBO → cg (community group); a hub has no
# code of its own there (other). carehub's own kind code goes alongside.
R4_TYPE = {"payer": ("pay", "Payer"), "cbo": ("cg", "Community Group"), "hub": ("other", "Other")}
KIND_TEXT = {"payer": "Health plan (payer)",
             "hub": "Community care hub (coordination platform)",
             "cbo": "Community-based organization (CBO)"}


def kind_system() -> str:
    return site_system("CodeSystem/organisation-kind")


def organization(org: Organisation, *, profile: object | None = None) -> Json:
    """`profile` is the directory entry (network.OrganisationProfile) when there is one:
    its phone, e-mail and website become telecom."""
    r4_code, r4_display = R4_TYPE[org.kind]
    telecom = []
    if profile is not None:
        for system, value in (("phone", getattr(profile, "phone", "")),
                              ("email", getattr(profile, "email", "")),
                              ("url", getattr(profile, "website", ""))):
            if value:
                telecom.append({"system": system, "value": value, "use": "work"})
    identifiers = []
    if org.npi:
        identifiers.append({"system": NPI, "value": org.npi})
    if org.tin:
        identifiers.append({"system": TIN, "value": org.tin})
    identifiers.append({"system": site_system("sid/organisation"), "value": org.slug})
    resource: Json = {
        "resourceType": "Organization",
        "id": str(org.pk),
        "meta": meta(updated=getattr(profile, "updated_at", None) or org.created_at),
        "identifier": identifiers,
        "active": bool(org.is_active),
        "type": [concept(coding(ORGANIZATION_TYPE, r4_code, r4_display),
                         coding(kind_system(), org.kind, KIND_TEXT[org.kind]),
                         text=KIND_TEXT[org.kind])],
        "name": org.name,
        "alias": [org.legal_name] if org.legal_name and org.legal_name != org.name else [],
        "telecom": telecom,
    }
    return compact(resource)

