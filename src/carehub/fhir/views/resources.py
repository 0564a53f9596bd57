"""FHIR read, search and create for every type except Task, ServiceRequest and Procedure.

- read `GET /fhir/<Type>/<id>`: carehub's own row (selectors/resources.py), else a
  resource received by FHIR (selectors/records.py); 404 for anything the acting
  organisation may not see.
- search `GET /fhir/<Type>?...`: carehub's rows first, then received ones, in pages
  linked by an opaque cursor (search.py).
- create `POST /fhir/<Type>`: validated, then kept as received (services/records.py):
  201 with Location and the stored resource; 422 with one issue per problem.

Every member shown is added to `request.fhir_members` for the request's audit event.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, re_path
from django.views.decorators.csrf import csrf_exempt

from carehub.fhir import capabilities
from carehub.fhir.auth import fhir_endpoint
from carehub.fhir.capabilities import Param, TypeCapability
from carehub.fhir.responses import fhir_response, operation_outcome
from carehub.fhir.search import (
    SearchError,
    SearchRequest,
    base_url,
    date_matches,
    date_q,
    keyset,
    searchset,
)
from carehub.fhir.selectors.records import get_received, received
from carehub.fhir.selectors.resources import JSON_PARAMS, NATIVE, Native, json_matches
from carehub.fhir.services.records import InvalidResource, as_fhir, store_received
from carehub.fhir.validation.profiles import default_profile
from carehub.tenancy.access import Acting

ID_RE = r"[A-Za-z0-9\-\.]{1,64}"
# Types carehub keeps only as received (the IG's examples include them).
RECEIVED_ONLY = ("Device", "DocumentReference", "Group", "Practitioner", "PractitionerRole",
                 "Questionnaire", "RelatedPerson")
RECEIVED_PARAMS = {"DocumentReference": {"patient": (("subject",), "reference")},
                   "RelatedPerson": {"patient": (("patient",), "reference")},
                   "Device": {"patient": (("patient",), "reference")}}
# _include: "Type:param" → the element holding the reference.
INCLUDES: dict[str, dict[str, str]] = {
    "Consent": {"Consent:patient": "patient"},
    "Condition": {"Condition:patient": "subject", "Condition:subject": "subject"},
    "Goal": {"Goal:patient": "subject", "Goal:subject": "subject"},
    "Observation": {"Observation:patient": "subject", "Observation:subject": "subject",
                    "Observation:derived-from": "derivedFrom"},
    "QuestionnaireResponse": {"QuestionnaireResponse:patient": "subject",
                              "QuestionnaireResponse:subject": "subject"},
    "HealthcareService": {"HealthcareService:organization": "providedBy",
                          "HealthcareService:location": "location"},
    "Location": {"Location:organization": "managingOrganization"},
    "Patient": {"Patient:organization": "managingOrganization"},
}
PARAM_TYPES = {"identifier": "token", "category": "token", "code": "token", "status": "token",
               "clinical-status": "token", "lifecycle-status": "token", "family": "string",
               "name": "string", "address-postalcode": "string", "birthdate": "date"}


def _acting(request: HttpRequest) -> Acting:
    return request.acting  # type: ignore[attr-defined, no-any-return]


def _touch(request: HttpRequest, member_id: int | None) -> None:
    if member_id is not None:
        request.fhir_members.add(member_id)  # type: ignore[attr-defined]


def _json_params(resource_type: str) -> dict[str, tuple[tuple[str, ...], str]]:
    return {**JSON_PARAMS.get(resource_type, {}), **RECEIVED_PARAMS.get(resource_type, {})}


def _search_error(error: SearchError) -> HttpResponse:
    return operation_outcome(400, error.message, code="invalid", expression=[error.param])


# -- reading one ---------------------------------------------------------------------------
def read_one(request: HttpRequest, resource_type: str, logical_id: str) -> dict[str, Any] | None:
    """The resource the acting organisation may see under this id, or None; its member
    (if any) is added to the request's audit."""
    acting = _acting(request)
    native = NATIVE.get(resource_type)
    if native is not None:
        row = native.by_id(native.rows(acting), logical_id).first()
        if row is not None:
            for resource in native.to_fhir(row, acting):
                if resource["id"] == logical_id:
                    _touch(request, native.member_of(row))
                    return resource
    row = get_received(acting, resource_type, logical_id)
    if row is None:
        return None
    _touch(request, row.member_id)
    return as_fhir(row)


def _read(request: HttpRequest, resource_type: str, logical_id: str) -> HttpResponse:
    resource = read_one(request, resource_type, logical_id)
    if resource is None:
        return operation_outcome(404, f"{resource_type}/{logical_id} is not known here.",
                                 code="not-found")
    return fhir_response(resource)


# -- search --------------------------------------------------------------------------------
def _allowed(resource_type: str) -> set[str]:
    native = NATIVE.get(resource_type)
    names = {"_id", "_lastUpdated"} | set(_json_params(resource_type))
    if native is not None:
        names |= set(native.params)
    return names


def _native_qs(native: Native, acting: Acting, sr: SearchRequest) -> Any:
    qs = native.rows(acting)
    for value in sr.values("_id"):
        alternatives = [native.by_id(qs, v) for v in value.split(",")]
        combined = alternatives[0]
        for other in alternatives[1:]:
            combined = combined | other
        qs = combined
    for value in sr.values("_lastUpdated"):
        qs = qs.filter(date_q(native.order, value))
    for name, values in sr.params.items():
        apply = native.params.get(name)
        if apply is None:
            continue
        for value in values:
            alternatives = [apply(qs, v) for v in value.split(",")]
            combined = alternatives[0]
            for other in alternatives[1:]:
                combined = combined | other
            qs = combined
    return qs.distinct() if sr.params or sr.values("_id") else qs


def _received_qs(acting: Acting, resource_type: str, sr: SearchRequest) -> tuple[Any, bool]:
    """The received rows by the filters SQL can do, and whether more filters follow in
    Python (then no exact total is given)."""
    qs = received(acting, resource_type)
    python_left = False
    for value in sr.values("_id"):
        qs = qs.filter(logical_id__in=value.split(","))
    for value in sr.values("_lastUpdated"):
        qs = qs.filter(date_q("updated_at", value))
    for name, values in sr.params.items():
        spec = _json_params(resource_type).get(name)
        if spec and spec[1] == "reference" and name in ("patient", "subject"):
            for value in values:
                refs = [v if "/" in v else f"Patient/{v}" for v in value.split(",")]
                qs = qs.filter(subject__in=[r.split("/_history/")[0].split("/fhir/")[-1]
                                            for r in refs])
        else:
            python_left = True
    return qs, python_left


def _post_filter(resource: dict[str, Any], resource_type: str, sr: SearchRequest) -> bool:
    for name, values in sr.params.items():
        for value in values:
            if not json_matches(resource, resource_type, name, value):
                return False
    if resource_type == "Observation":
        from carehub.fhir.search import parse_datetime_value

        for value in sr.values("_lastUpdated"):
            if not date_matches(parse_datetime_value(resource["meta"]["lastUpdated"]), value):
                return False
        ids = [v for value in sr.values("_id") for v in value.split(",")]
        if ids and resource["id"] not in ids:
            return False
    return True


def _search(request: HttpRequest, resource_type: str) -> HttpResponse:
    acting = _acting(request)
    includes = INCLUDES.get(resource_type, {})
    try:
        sr = SearchRequest.parse(request, resource_type, _allowed(resource_type), set(includes))
        return _run_search(request, resource_type, sr, acting, includes)
    except SearchError as error:
        return _search_error(error)


def _run_search(request: HttpRequest, resource_type: str, sr: SearchRequest, acting: Acting,
                includes: dict[str, str]) -> HttpResponse:
    native = NATIVE.get(resource_type)
    state = sr.cursor if isinstance(sr.cursor, dict) else {"phase": "n", "after": None}
    if state.get("t") not in (None, resource_type):
        raise SearchError("_cursor", "_cursor belongs to another search")
    native_qs = _native_qs(native, acting, sr) if native is not None else None
    received_qs, python_left = _received_qs(acting, resource_type, sr)
    total = None
    if not python_left and resource_type != "Observation":
        total = (native_qs.count() if native_qs is not None else 0) + received_qs.count()
    matches: list[dict[str, Any]] = []
    next_state: dict[str, Any] | None = None
    phase, after = state.get("phase", "n"), state.get("after")
    want = sr.count
    if want and phase == "n" and native is not None and native_qs is not None:
        rows, key = keyset(native_qs, native.order, after, want)
        for row in rows:
            shown = [r for r in native.to_fhir(row, acting) if _post_filter(r, resource_type, sr)]
            if shown:
                _touch(request, native.member_of(row))
            matches += shown
        if key is not None:
            next_state = {"t": resource_type, "phase": "n", "after": key}
        else:
            phase, after = "r", None
    elif phase == "n":
        phase, after = "r", None
    if want and next_state is None and phase == "r":
        room = want - len(matches)
        if room > 0:
            rows_r, key_r = keyset(received_qs, "updated_at", after, room)
            for row in rows_r:
                resource = as_fhir(row)
                if _post_filter(resource, resource_type, sr):
                    _touch(request, row.member_id)
                    matches.append(resource)
            if key_r is not None:
                next_state = {"t": resource_type, "phase": "r", "after": key_r}
        elif received_qs.exists():
            next_state = {"t": resource_type, "phase": "r", "after": None}
    entries = [(r, "match") for r in matches]
    entries += [(r, "include") for r in _included(request, matches, sr.include, includes)]
    return fhir_response(searchset(request, entries, total=total, next_cursor=next_state))


def _included(request: HttpRequest, matches: list[dict[str, Any]], wanted: list[str],
              includes: dict[str, str]) -> list[dict[str, Any]]:
    seen = {(r["resourceType"], r["id"]) for r in matches}
    out = []
    for include in wanted:
        element = includes[include]
        for resource in matches:
            value = resource.get(element)
            refs = value if isinstance(value, list) else [value]
            for ref in refs:
                text = ref.get("reference", "") if isinstance(ref, dict) else ""
                parts = text.split("/")
                if len(parts) != 2 or (parts[0], parts[1]) in seen:
                    continue
                seen.add((parts[0], parts[1]))
                found = read_one(request, parts[0], parts[1])
                if found is not None:
                    out.append(found)
    return out


# -- create --------------------------------------------------------------------------------
def _create(request: HttpRequest, resource_type: str) -> HttpResponse:
    try:
        resource = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError) as error:
        return operation_outcome(400, f"The body is not JSON: {error}", code="invalid")
    if not isinstance(resource, dict) or resource.get("resourceType") != resource_type:
        return operation_outcome(400, f"The body must be a {resource_type} resource.",
                                 code="invalid", expression=[f"{resource_type}.resourceType"])
    partner = getattr(request, "partner", None)
    try:
        row = store_received(acting=_acting(request), resource=resource,
                             client_id=getattr(partner, "client_id", "") or "")
    except InvalidResource as error:
        issues = [{"severity": "error", "code": "invalid", "diagnostics": p.message,
                   "expression": [p.path]} for p in error.problems]
        return operation_outcome(422, "", issues=issues)
    _touch(request, row.member_id)
    stored = as_fhir(row)
    location = f"{base_url(request)}/{resource_type}/{row.logical_id}/_history/{row.version_id}"
    return fhir_response(stored, 201, headers={"Location": location})


# -- URL patterns --------------------------------------------------------------------------
def _views(resource_type: str) -> tuple[Any, Any]:
    @fhir_endpoint(resource_type, "read")
    def read(request: HttpRequest, logical_id: str) -> HttpResponse:
        return _read(request, resource_type, logical_id)

    @fhir_endpoint(resource_type, "search")
    def search(request: HttpRequest) -> HttpResponse:
        return _search(request, resource_type)

    @fhir_endpoint(resource_type, "create")
    def create(request: HttpRequest) -> HttpResponse:
        return _create(request, resource_type)

    @csrf_exempt
    def type_level(request: HttpRequest) -> HttpResponse:
        if request.method == "GET":
            return search(request)
        if request.method == "POST":
            return create(request)
        return operation_outcome(405, f"{request.method} is not supported on {resource_type}.",
                                 code="not-supported", headers={"Allow": "GET, POST"})

    @csrf_exempt
    def instance_level(request: HttpRequest, logical_id: str) -> HttpResponse:
        if request.method == "GET":
            return read(request, logical_id=logical_id)
        return operation_outcome(405, f"{request.method} is not supported on {resource_type} "
                                      "instances.", code="not-supported", headers={"Allow": "GET"})

    type_level.__name__ = f"{resource_type.lower()}_type"
    instance_level.__name__ = f"{resource_type.lower()}_instance"
    return type_level, instance_level


RESOURCE_TYPES = (*NATIVE, *RECEIVED_ONLY)


def urlpatterns() -> list[URLPattern]:
    out = []
    for resource_type in RESOURCE_TYPES:
        type_level, instance_level = _views(resource_type)
        out.append(path(resource_type, type_level, name=f"{resource_type.lower()}-type"))
        out.append(re_path(rf"^{resource_type}/(?P<logical_id>{ID_RE})$", instance_level,
                           name=f"{resource_type.lower()}-instance"))
    return out


def _register_capabilities() -> None:
    for resource_type in RESOURCE_TYPES:
        native = NATIVE.get(resource_type)
        names = sorted(set(native.params if native else ()) | set(_json_params(resource_type)))
        params = tuple(Param(n, "reference" if n in ("patient", "subject", "organization",
                                                      "location", "derived-from")
                             else PARAM_TYPES.get(n, "token")) for n in names)
        profile = default_profile(resource_type)
        if resource_type == "Observation":
            profile = ("http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/"
                       "SDOHCC-ObservationScreeningResponse")
        capabilities.register(TypeCapability(
            resource_type, interactions=("read", "search-type", "create"),
            search_params=params, includes=tuple(sorted(INCLUDES.get(resource_type, {}))),
            supported_profiles=(profile,) if profile else (),
            documentation=("carehub's own records, then resources received by FHIR (kept as "
                           "received)." if native else "Kept as received."),
            versioning="versioned"))


_register_capabilities()
__all__ = ["urlpatterns", "read_one"]
