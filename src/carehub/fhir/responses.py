"""The answers every FHIR endpoint gives: a resource or Bundle as application/fhir+json,
and an OperationOutcome for every error (FHIR R4 http.html#summary)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

FHIR_JSON = "application/fhir+json"


def fhir_response(resource: dict[str, Any], status: int = 200, *,
                  headers: dict[str, str] | None = None) -> HttpResponse:
    """One resource or Bundle. A resource with meta.versionId gets its ETag (W/"n") and
    meta.lastUpdated its Last-Modified, as the FHIR RESTful API asks."""
    response = HttpResponse(json.dumps(resource, separators=(",", ":"), ensure_ascii=False),
                            status=status, content_type=f"{FHIR_JSON}; charset=utf-8")
    meta = resource.get("meta") or {}
    if resource.get("resourceType") != "Bundle" and meta.get("versionId"):
        response["ETag"] = f'W/"{meta["versionId"]}"'
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def operation_outcome(status: int, diagnostics: str, *, code: str = "processing",
                      severity: str = "error", expression: list[str] | None = None,
                      issues: list[dict[str, Any]] | None = None,
                      headers: dict[str, str] | None = None) -> HttpResponse:
    """An error as an OperationOutcome. `code` is from the IssueType value set (invalid,
    required, value, not-found, forbidden, login, conflict, not-supported, processing...);
    `expression` names the element in FHIRPath, e.g. ["Task.status"]. `issues` replaces
    the single issue when there are several (one per problem found)."""
    if issues is None:
        issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": diagnostics}
        if expression:
            issue["expression"] = expression
        issues = [issue]
    return fhir_response({"resourceType": "OperationOutcome", "issue": issues}, status,
                         headers=headers)
