"""The site's URLs plus probe views behind the FHIR door, for testing the door itself
(the real endpoints are tested by their own areas)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path

from carehub.fhir.auth import fhir_endpoint, fhir_public
from carehub.fhir.responses import fhir_response
from carehub.members.models import Member


@fhir_endpoint("Patient", "read")
def probe_read(request: HttpRequest, pk: str) -> HttpResponse:
    if pk == "missing":
        raise Http404("no such")
    if pk == "bad":
        raise ValidationError({"Patient.birthDate": ["not a date"]})
    if pk == "boom":
        raise RuntimeError("unexpected")
    member = Member.objects.get(pk=int(pk))  # row-level security decides what is seen
    request.fhir_members.add(member.pk)  # type: ignore[attr-defined]
    setting = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_setting('carehub.organisation_id', true)")
            user, setting = cursor.fetchone()
    return fhir_response({"resourceType": "Patient", "id": str(member.pk),
                          "meta": {"tag": [{"code": request.acting.organisation.slug},  # type: ignore[attr-defined]
                                           {"code": request.acting.role},  # type: ignore[attr-defined]
                                           {"code": setting}]}})


@fhir_endpoint("Patient", "search")
def probe_search(request: HttpRequest) -> HttpResponse:
    return fhir_response({"resourceType": "Bundle", "type": "searchset", "total": 0})


@fhir_endpoint("Task", "create")
def probe_create(request: HttpRequest) -> HttpResponse:
    return fhir_response({"resourceType": "Task", "id": "1"}, 201)


@fhir_public
def probe_public(request: HttpRequest) -> HttpResponse:
    return fhir_response({"resourceType": "CapabilityStatement", "status": "active"})


urlpatterns = [
    path("fhir/probe/Patient/<str:pk>", probe_read),
    path("fhir/probe/Patient", probe_search),
    path("fhir/probe/Task", probe_create),
    path("fhir/probe/metadata", probe_public),
    path("", include("carehub.urls")),
]
