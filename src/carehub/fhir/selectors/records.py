"""Reading received resources, always for the acting organisation (and, on PostgreSQL,
through row-level security: the receiving organisation, and the member still visible)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from carehub.fhir.models import ReceivedResource
from carehub.tenancy.access import Acting


def received(acting: Acting, resource_type: str) -> QuerySet[ReceivedResource]:
    org = acting.organisation
    return (ReceivedResource.objects
            .filter(organisation=org, resource_type=resource_type)
            .filter(Q(member__isnull=True) | Q(member__access__organisation=org)))


def get_received(acting: Acting, resource_type: str, logical_id: str) -> ReceivedResource | None:
    return received(acting, resource_type).filter(logical_id=logical_id).first()
