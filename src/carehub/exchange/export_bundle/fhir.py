"""The bundle's FHIR NDJSON files (Bulk Data style: one file per resource type, one
resource a line), defined once like the tables: which rows (the same selection and
sharing rule as the tables, from `rows`), and the mapping that turns a row into R4
resources (carehub.fhir.mapping: the same JSON the FHIR API serves)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

from carehub.exchange.export_bundle import fhir_referrals
from carehub.exchange.export_bundle.rows import (
    Context,
    exported_members,
    rows_consents,
    rows_directory_services,
    rows_locations,
    rows_needs,
    rows_organisation,
    rows_screenings,
)
from carehub.fhir.mapping.condition import condition
from carehub.fhir.mapping.consent import consent
from carehub.fhir.mapping.directory import healthcare_service, location
from carehub.fhir.mapping.goal import goal
from carehub.fhir.mapping.organization import organization
from carehub.fhir.mapping.patient import patient
from carehub.fhir.mapping.screening import questionnaire_response, screening_observations
from carehub.network.models import OrganisationProfile, ServiceAtLocation

SDOHCC = "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-"
# A chunk of rows to their resources (a screening gives one Observation per answer).
Resources = Callable[[list[Any], Context], Iterator[dict[str, Any]]]


@dataclass(frozen=True)
class FhirFile:
    resource_type: str
    meaning: str
    query: Callable[[Context], QuerySet[Any]]
    resources: Resources
    profile: str = ""

    @property
    def file_name(self) -> str:
        return f"{self.resource_type}.ndjson"


def each(mapper: Callable[[Any, Context], Iterator[dict[str, Any]]]) -> Resources:
    def resources(batch: list[Any], ctx: Context) -> Iterator[dict[str, Any]]:
        for row in batch:
            yield from mapper(row, ctx)
    return resources


def one(mapper: Callable[[Any], dict[str, Any]]) -> Resources:
    def resources(batch: list[Any], ctx: Context) -> Iterator[dict[str, Any]]:
        for row in batch:
            yield mapper(row)
    return resources


def _organization(org: Any, ctx: Context) -> Iterator[dict[str, Any]]:
    yield organization(org, profile=OrganisationProfile.objects.filter(organisation=org).first())


def _services(ctx: Context) -> QuerySet[Any]:
    return rows_directory_services(ctx).prefetch_related(
        Prefetch("at_locations",
                 queryset=ServiceAtLocation.objects.select_related("location")))


def _service(service: Any, ctx: Context) -> Iterator[dict[str, Any]]:
    sites = [sal.location for sal in service.at_locations.all()]
    directory = OrganisationProfile.objects.filter(organisation_id=service.organisation_id).first()
    yield healthcare_service(service, locations=sites, directory=directory)


def _consent(row: Any, ctx: Context) -> Iterator[dict[str, Any]]:
    yield consent(row, on=ctx.day)


def _observations(row: Any, ctx: Context) -> Iterator[dict[str, Any]]:
    yield from screening_observations(row)


FHIR_FILES: tuple[FhirFile, ...] = (
    FhirFile("Organization", "the exporting organisation", rows_organisation, each(_organization)),
    FhirFile("Patient", "the exported members (members table)", exported_members,
             one(patient), "base R4 (US Core shape)"),
    FhirFile("Location", "the organisation's sites (directory_locations)", rows_locations,
             one(location), SDOHCC + "Location"),
    FhirFile("HealthcareService", "the organisation's services (directory_services)",
             _services, each(_service), SDOHCC + "HealthcareService"),
    FhirFile("Consent", "consents (consents table)", rows_consents, each(_consent),
             SDOHCC + "Consent"),
    FhirFile("Condition", "needs as SDOH conditions with their Z codes (needs table)",
             rows_needs, one(condition), SDOHCC + "Condition"),
    FhirFile("Goal", "the goal of each need (needs table)", rows_needs, one(goal),
             SDOHCC + "Goal"),
    FhirFile("QuestionnaireResponse", "AHC HRSN screenings (screenings table)",
             rows_screenings, one(questionnaire_response)),
    FhirFile("Observation", "one screening response per answer (screenings table)",
             rows_screenings, each(_observations), SDOHCC + "ObservationScreeningResponse"),
    *(FhirFile(*spec) for spec in fhir_referrals.FILES),
)
