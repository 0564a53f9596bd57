"""Reading partner systems: those of the organisations the acting hub administers."""

from __future__ import annotations

from django.db.models import F, QuerySet
from django.http import Http404

from carehub.fhir.models import PartnerSystem
from carehub.tenancy.access import Acting, organisations_managed_by


def partner_systems(acting: Acting) -> QuerySet[PartnerSystem]:
    return (PartnerSystem.objects
            .filter(organisation__in=organisations_managed_by(acting.organisation))
            .select_related("organisation", "membership")
            .order_by(F("revoked_at").asc(nulls_first=True), "organisation__name", "name", "pk"))


def get_partner_system(acting: Acting, pk: int) -> PartnerSystem:
    """One partner system the acting hub administers, or 404."""
    partner = partner_systems(acting).filter(pk=pk).first()
    if partner is None:
        raise Http404("Not found")
    return partner
