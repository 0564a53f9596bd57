"""What the FHIR server supports, as data each area adds to; /fhir/metadata renders it.

    capabilities.register(TypeCapability("Task", interactions=("read", "search-type",
        "create", "update"), search_params=(Param("owner", "reference", "..."), ...),
        includes=("Task:focus",), profile=..., supported_profiles=(...)))

The CapabilityStatement describes carehub as the IG's Coordination Platform (Indirect
referral pattern: it receives Tasks from referral sources and passes them on) and as the
server CBO staff and partner applications work against (Indirect Light), secured by
SMART Backend Services (OAuth2 client credentials with a signed JWT assertion).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

SDOHCC_IG = "http://hl7.org/fhir/us/sdoh-clinicalcare/ImplementationGuide/hl7.fhir.us.sdoh-clinicalcare"
# The IG's own CapabilityStatements for the two roles carehub plays.
SDOHCC_CAPABILITIES = (
    "http://hl7.org/fhir/us/sdoh-clinicalcare/CapabilityStatement/SDOHCC-CoordinationPlatform",
    "http://hl7.org/fhir/us/sdoh-clinicalcare/CapabilityStatement/SDOHCC-ReferralRecipient",
)
SEARCH_PARAM_DEFS = "http://hl7.org/fhir/SearchParameter/"
COMMON_PARAMS = (("_id", "token", "The resource's logical id."),
                 ("_lastUpdated", "date", "When it last changed; prefixes eq ne gt ge lt le."),
                 ("_count", "number", "Entries per page (default 50, at most 500)."),
                 ("_include", "special", "Referenced resources to add (see searchInclude)."))


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # token | reference | date | string | number | special
    documentation: str = ""


@dataclass(frozen=True)
class TypeCapability:
    type: str
    interactions: tuple[str, ...] = ("read", "search-type")
    search_params: tuple[Param, ...] = ()
    includes: tuple[str, ...] = ()
    profile: str | None = None
    supported_profiles: tuple[str, ...] = ()
    documentation: str = ""
    versioning: str = "versioned"
    extra: dict[str, Any] = field(default_factory=dict)


REGISTRY: dict[str, TypeCapability] = {}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("carehub")
    except PackageNotFoundError:
        return "development"


def register(capability: TypeCapability) -> None:
    REGISTRY[capability.type] = capability


def _resource(cap: TypeCapability) -> dict[str, Any]:
    out: dict[str, Any] = {"type": cap.type}
    if cap.profile:
        out["profile"] = cap.profile
    if cap.supported_profiles:
        out["supportedProfile"] = list(cap.supported_profiles)
    if cap.documentation:
        out["documentation"] = cap.documentation
    out["interaction"] = [{"code": code} for code in cap.interactions]
    out["versioning"] = cap.versioning
    out["readHistory"] = False
    out["updateCreate"] = False
    if "update" in cap.interactions:
        out["conditionalUpdate"] = False
    if cap.includes:
        out["searchInclude"] = list(cap.includes)
    params = [Param(n, t, d) for n, t, d in COMMON_PARAMS
              if n != "_include" or cap.includes] + list(cap.search_params)
    out["searchParam"] = [{"name": p.name, "type": p.type,
                           **({"documentation": p.documentation} if p.documentation else {})}
                          for p in params]
    out.update(cap.extra)
    return out


def capability_statement(base_url: str) -> dict[str, Any]:
    smart = f"{base_url}/.well-known/smart-configuration"
    token = f"{base_url}/auth/token"
    return {
        "resourceType": "CapabilityStatement",
        "id": "carehub",
        "url": f"{base_url}/metadata",
        "name": "CarehubFhirServer",
        "title": "carehub FHIR R4 server",
        "status": "active",
        "date": "2026-12-06",
        "publisher": "carehub",
        "description": (
            "carehub as the SDOH Clinical Care IG's Coordination Platform (Indirect "
            "referral pattern: Tasks from referral sources, routed to community-based "
            "organisations) and as the server CBO staff and partner applications work "
            "against (Indirect Light). Partner systems authenticate with SMART Backend "
            f"Services (client credentials, signed JWT assertion): {smart}."),
        "instantiates": list(SDOHCC_CAPABILITIES),
        "kind": "instance",
        "software": {"name": "carehub", "version": _version()},
        "implementation": {"description": "carehub FHIR API", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "implementationGuide": [SDOHCC_IG],
        "rest": [{
            "mode": "server",
            "documentation": ("Errors are OperationOutcomes. Search pages are linked by "
                              "Bundle.link next (an opaque cursor). Updates take If-Match "
                              "with the version (W/\"n\")."),
            "security": {
                "cors": False,
                "service": [{"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                    "code": "SMART-on-FHIR", "display": "SMART-on-FHIR"}]}],
                "description": "OAuth2 client credentials (SMART Backend Services); "
                               "system/<Type>.<cruds> scopes.",
                "extension": [{
                    "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                    "extension": [{"url": "token", "valueUri": token}],
                }],
            },
            "resource": [_resource(REGISTRY[name]) for name in sorted(REGISTRY)],
        }],
    }


def site_base() -> str:
    return f"{settings.SITE_URL}/fhir"
