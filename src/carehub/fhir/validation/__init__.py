"""Validation of FHIR R4 resources: base R4 and the SDOHCC profiles they claim.

    validate(resource) -> list[Problem]    # [] when valid

Three checks, each reporting problems as a FHIRPath-like path and a message:

1. base R4 — fhircraft's R4 model of the resource type (element names, types,
   cardinality, the invariants FHIR marks as errors), and the required code bindings
   fhircraft leaves unchecked (`codes`: statuses, intents, gender, telecom/address use);
2. each SDOHCC profile in meta.profile — fhircraft's model built from the profile's
   snapshot (the copies in carehub/fhir/profiles/), offline; definitions the profiles
   refer to that are not shipped (US Core parents, a few extensions) are stood in for
   (see `fhircraft_models`);
3. the same profiles read directly from their snapshots (`snapshot`): cardinality,
   fixed and pattern values and the slices discriminated by pattern, so a profile
   fhircraft cannot build is still checked.

Profiles carehub does not ship (US Core, SDC) are not checked beyond base R4; `unchecked
_profiles` names them. The first call loads fhircraft (about 15 s); `warm()` does it
ahead of time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from carehub.fhir.validation.profiles import SHIPPED, default_profile, shipped_profile


@dataclass(frozen=True, order=True)
class Problem:
    path: str  # e.g. "Task.status", "Condition.category[1].coding[0].code"
    message: str
    # "warning" only for the deviations the IG's own published examples make (see
    # snapshot.LENIENT); everything else is an error and refuses the resource.
    severity: str = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.path}: {prefix}{self.message}"


def validate(resource: Any, *, profiles: list[str] | None = None) -> list[Problem]:
    """Problems with `resource` against base R4 and each profile it claims (or
    `profiles`, when given). An empty list means valid."""
    from carehub.fhir.validation import codes, fhircraft_models, snapshot

    if not isinstance(resource, dict):
        return [Problem("(root)", "a resource is a JSON object")]
    rtype = resource.get("resourceType")
    if not isinstance(rtype, str) or not rtype:
        return [Problem("(root)", "resourceType is missing")]
    base = fhircraft_models.base_model(rtype)
    if base is None:
        return [Problem(rtype, f"{rtype!r} is not a FHIR R4 resource type")]
    problems = fhircraft_models.check(base, resource, rtype) + codes.check(resource)
    claimed = profiles if profiles is not None else _claimed(resource)
    for url in claimed:
        sd = shipped_profile(url)
        if sd is None:
            continue
        if sd["type"] != rtype:
            problems.append(Problem(rtype, f"profile {url} is for {sd['type']}, not {rtype}"))
            continue
        model = fhircraft_models.profile_model(url)
        if model is not None:
            problems += fhircraft_models.check(model, resource, rtype, profile=url)
        problems += snapshot.check(sd, resource)
    return _unique(problems)


def errors(resource: Any, *, profiles: list[str] | None = None) -> list[Problem]:
    """The problems that make `resource` invalid (warnings left out)."""
    return [p for p in validate(resource, profiles=profiles) if p.severity == "error"]


def unchecked_profiles(resource: dict[str, Any]) -> list[str]:
    """The profiles `resource` claims that carehub does not ship (checked as base R4)."""
    return [url for url in _claimed(resource) if shipped_profile(url) is None]


def warm() -> None:
    """Load fhircraft and build every shipped profile's model now, not on first use."""
    from carehub.fhir.validation import fhircraft_models

    for url in SHIPPED:
        fhircraft_models.profile_model(url)


def _claimed(resource: dict[str, Any]) -> list[str]:
    meta = resource.get("meta")
    urls = meta.get("profile") if isinstance(meta, dict) else None
    if not isinstance(urls, list):
        return []
    return [u.split("|")[0] for u in urls if isinstance(u, str)]


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    out = []
    for p in problems:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


__all__ = ["Problem", "validate", "errors", "unchecked_profiles", "warm", "default_profile", "SHIPPED"]
