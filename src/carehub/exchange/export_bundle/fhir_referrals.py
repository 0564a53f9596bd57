"""Task, ServiceRequest and Procedure NDJSON of the export, through the referral
workflow's own mapping (`carehub.fhir.selectors.tasks` over `carehub.fhir.mapping.referral`):
the same resources a partner system reads from /fhir/Task. The rows are the tables'
(referrals the organisation is party to; services delivered, its own and others' while
the member's consent is active), so Task.ndjson and referrals.csv hold the same
referrals. This module is the one place the export meets that mapping: should it
change its names, only this adapter changes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from carehub.exchange.export_bundle.rows import Context, rows_referrals, rows_services
from carehub.fhir.mapping import referral as mapping
from carehub.fhir.models import ProcedureRecord
from carehub.fhir.selectors import tasks as workflow

TASK = "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-TaskForReferralManagement"
SERVICE_REQUEST = "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-ServiceRequest"
PROCEDURE = "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-Procedure"


def referrals(ctx: Context) -> QuerySet[Any]:
    return rows_referrals(ctx).select_related("service")


def deliveries(ctx: Context) -> QuerySet[Any]:
    return rows_services(ctx).select_related("referral", "service")


def tasks(batch: list[Any], ctx: Context) -> Iterator[dict[str, Any]]:
    loaded = workflow.load(batch)
    for referral in batch:
        yield workflow.task_resource(referral, loaded)


def service_requests(batch: list[Any], ctx: Context) -> Iterator[dict[str, Any]]:
    loaded = workflow.load(batch)
    for referral in batch:
        yield workflow.service_request_resource(referral, loaded)


def procedures(batch: list[Any], ctx: Context) -> Iterator[dict[str, Any]]:
    """`workflow.procedure_resource` for a chunk at once: the Procedures that arrived by
    FHIR (kept with their codings) read in one query, not one a delivery."""
    received = dict(ProcedureRecord.objects.filter(delivery_id__in=[d.pk for d in batch])
                    .values_list("delivery_id", "resource"))
    for delivery in batch:
        name = delivery.service.name if delivery.service_id and delivery.service else ""
        yield mapping.procedure(delivery, service_type=delivery.referral.service_type,
                                service_name=name, received=received.get(delivery.pk),
                                owner_name=delivery.organisation.name)


# (resource type, meaning, rows, resources of a chunk of rows, profile): see fhir.FhirFile.
FILES = (
    ("Task", "each referral as carehub's Task (referrals table)", referrals, tasks, TASK),
    ("ServiceRequest", "each referral's service request (referrals table)", referrals,
     service_requests, SERVICE_REQUEST),
    ("Procedure", "services delivered (services_delivered table)", deliveries, procedures,
     PROCEDURE),
)
