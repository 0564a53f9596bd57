"""The SDOHCC StructureDefinitions carehub ships (carehub/fhir/profiles/, HL7's published
definitions of the SDOH Clinical Care IG 2.3.0), read as plain JSON."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

PROFILE_DIR = Path(__file__).resolve().parent.parent / "profiles"


@cache
def _all() -> dict[str, dict[str, Any]]:
    out = {}
    for path in sorted(PROFILE_DIR.glob("StructureDefinition-*.json")):
        sd = json.loads(path.read_text(encoding="utf-8"))
        out[sd["url"]] = sd
    return out


SHIPPED: tuple[str, ...] = tuple(
    url for url, sd in _all().items() if sd.get("kind") == "resource")


def shipped_profile(url: str) -> dict[str, Any] | None:
    """A shipped resource profile by canonical URL (a `|version` suffix is ignored)."""
    sd = _all().get(url.split("|")[0])
    return sd if sd is not None and sd.get("kind") == "resource" else None


def any_definition(url: str) -> dict[str, Any] | None:
    """Any shipped definition (profiles and extensions)."""
    return _all().get(url.split("|")[0])


def all_definitions() -> list[dict[str, Any]]:
    return list(_all().values())


# The profile a resource type gets when carehub writes one (where the IG has one).
DEFAULTS = {
    "Condition": "SDOHCC-Condition", "Consent": "SDOHCC-Consent", "Goal": "SDOHCC-Goal",
    "Group": "SDOHCC-Group", "HealthcareService": "SDOHCC-HealthcareService",
    "Location": "SDOHCC-Location", "Procedure": "SDOHCC-Procedure",
    "ServiceRequest": "SDOHCC-ServiceRequest", "Task": "SDOHCC-TaskForReferralManagement",
}


def default_profile(resource_type: str) -> str | None:
    name = DEFAULTS.get(resource_type)
    return f"http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/{name}" if name else None
