"""What every mapper shares: profile URLs, code and identifier systems, meta, references.

Ids are the row's primary key (or UUID) as a string: stable, and carrying no member data.
Identifier and code systems carehub mints itself live under the deployment's SITE_URL
(`/fhir/sid/...`, `/fhir/CodeSystem/...`), so they are real, resolvable URLs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

Json = dict[str, Any]

SDOHCC = "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/"
TEMP_CODES = "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes"
LOINC = "http://loinc.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
NPI = "http://hl7.org/fhir/sid/us-npi"
TIN = "urn:oid:2.16.840.1.113883.4.4"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
US_CORE_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/us-core-category"
CONDITION_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/condition-category"


def profile(name: str) -> str:
    """The canonical URL of an SDOHCC profile, e.g. profile("Condition")."""
    return f"{SDOHCC}SDOHCC-{name}"


def site_system(path: str) -> str:
    """An identifier or code system carehub mints, e.g. site_system("CodeSystem/x")."""
    return f"{settings.SITE_URL}/fhir/{path}"


def instant(value: datetime) -> str:
    """A FHIR instant in UTC with the row's full precision (microseconds when there are
    any), so `_lastUpdated=gt<this>` never returns the same change again."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    value = value.astimezone(UTC)
    if value.microsecond:
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def day(value: date) -> str:
    return value.isoformat()


def meta(profile_url: str | None = None, *, updated: datetime | None = None,
         version: int | None = None) -> Json:
    out: Json = {}
    if version is not None:
        out["versionId"] = str(version)
    if updated is not None:
        out["lastUpdated"] = instant(updated)
    if profile_url:
        out["profile"] = [profile_url]
    return out


def ref(resource_type: str, pk: object, display: str | None = None) -> Json:
    out: Json = {"reference": f"{resource_type}/{pk}"}
    if display:
        out["display"] = display
    return out


def coding(system: str, code: str, display: str | None = None) -> Json:
    out: Json = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def concept(*codings: Json, text: str | None = None) -> Json:
    out: Json = {"coding": list(codings)}
    if text:
        out["text"] = text
    return out


def compact(resource: Json) -> Json:
    """Drop empty values (FHIR forbids empty strings, lists and objects)."""
    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            kept = {k: clean(v) for k, v in value.items()}
            return {k: v for k, v in kept.items() if v not in (None, "", [], {})}
        if isinstance(value, list):
            kept_items = [clean(v) for v in value]
            return [v for v in kept_items if v not in (None, "", [], {})]
        return value
    cleaned: Json = clean(resource)
    return cleaned


# carehub's screening domains → the IG's SDOH category codes (SDOHCC-ValueSetSDOHCategory).
# The AHC HRSN safety items are the HITS intimate partner violence screen.
SDOH_DOMAIN_CODES: dict[str, tuple[str, str]] = {
    "housing": ("housing-instability", "Housing Instability"),
    "food": ("food-insecurity", "Food Insecurity"),
    "transportation": ("transportation-insecurity", "Transportation Insecurity"),
    "utilities": ("utility-insecurity", "Utility Insecurity"),
    "safety": ("intimate-partner-violence", "Intimate Partner Violence"),
}


def sdoh_categories(domain: str | None) -> list[Json]:
    """sdoh-category-unspecified, then the domain's own category where the IG has one."""
    out = [concept(coding(TEMP_CODES, "sdoh-category-unspecified", "SDOH Category Unspecified"))]
    if domain in SDOH_DOMAIN_CODES:
        code, display = SDOH_DOMAIN_CODES[domain]
        out.append(concept(coding(TEMP_CODES, code, display)))
    return out
