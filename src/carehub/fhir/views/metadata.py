"""GET /fhir/metadata: the CapabilityStatement (public, as FHIR requires)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from carehub.fhir.auth import fhir_public
from carehub.fhir.capabilities import capability_statement
from carehub.fhir.responses import fhir_response, operation_outcome
from carehub.fhir.search import base_url


@fhir_public
def metadata(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return operation_outcome(405, "metadata is read with GET.", code="not-supported",
                                 headers={"Allow": "GET"})
    return fhir_response(capability_statement(base_url(request)))
