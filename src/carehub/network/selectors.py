"""Reading the directory, always given the acting organisation.

Directory entries describe organisations, not members, so reads are not audited.
"""

from __future__ import annotations

import uuid

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from carehub.network.models import (
    CapacityStatus,
    Location,
    OrganisationProfile,
    Service,
    ServiceAtLocation,
    ServiceType,
)
from carehub.tenancy.access import network_cbos
from carehub.tenancy.models import Organisation, OrganisationKind

CAPACITY_ORDER = Case(
    When(capacity_status=CapacityStatus.ACCEPTING, then=Value(0)),
    When(capacity_status=CapacityStatus.WAITLIST, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def visible_services(org: Organisation) -> QuerySet[Service]:
    return Service.objects.filter(organisation__directory_visible_to=org.pk)


def visible_locations(org: Organisation) -> QuerySet[Location]:
    return Location.objects.filter(organisation__directory_visible_to=org.pk)


def visible_profiles(org: Organisation) -> QuerySet[OrganisationProfile]:
    return OrganisationProfile.objects.filter(organisation__directory_visible_to=org.pk)


def visible_service_at_locations(org: Organisation) -> QuerySet[ServiceAtLocation]:
    return ServiceAtLocation.objects.filter(service__organisation__directory_visible_to=org.pk)


def editable_organisations(org: Organisation) -> QuerySet[Organisation]:
    """Whose entries `org` keeps: its own; a hub also its network's CBOs'."""
    if org.kind == OrganisationKind.HUB:
        return Organisation.objects.filter(Q(pk=org.pk) | Q(pk__in=network_cbos(org).values("pk")))
    return Organisation.objects.filter(pk=org.pk)


def editable_services(org: Organisation) -> QuerySet[Service]:
    return visible_services(org).filter(organisation__in=editable_organisations(org))


def get_service(org: Organisation, pk: object) -> Service:
    try:
        pk = uuid.UUID(str(pk))
    except ValueError:
        raise Http404("Not found") from None
    service = visible_services(org).select_related("organisation", "service_type").filter(pk=pk).first()
    if service is None:
        raise Http404("Not found")
    return service


def directory(
    org: Organisation, *, service_type: str = "", county: str = "", language: str = "",
    query: str = "",
) -> list[Service]:
    """The services `org` may see, filtered, accepting first."""
    qs = visible_services(org).select_related("organisation", "service_type", "verified_by")
    if service_type:
        qs = qs.filter(service_type__slug=service_type)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(organisation__name__icontains=query))
    services: list[Service] = list(qs.annotate(capacity_rank=CAPACITY_ORDER).order_by(
        "capacity_rank", "organisation__name", "name"))
    # JSON list fields are filtered in Python: portable across SQLite and PostgreSQL.
    if county:
        services = [s for s in services if county in s.coverage_counties]
    if language:
        wanted = language.casefold()
        services = [s for s in services if wanted in {x.casefold() for x in s.languages}]
    return services


def services_for_routing(
    hub_org: Organisation, service_type_slug: str, county: str | None = None,
    zip: str | None = None, language: str | None = None,
) -> list[Service]:
    """Network CBOs' active services of one type, accepting first, then waitlist, then closed.

    Pure read for the referral router: no request needed. Coverage is matched on county
    or zip code (a service listing neither covers nothing in particular and is kept).
    Within a capacity status shorter waitlists come first, then fresher verification.
    """
    cbos = network_cbos(hub_org).values("pk")
    qs = (
        visible_services(hub_org)
        .filter(organisation__in=cbos, service_type__slug=service_type_slug, status="active")
        .select_related("organisation", "service_type")
        .annotate(capacity_rank=CAPACITY_ORDER)
        .order_by("capacity_rank", "waitlist_length", "-verified_at", "organisation__name", "name")
    )
    services: list[Service] = list(qs)

    def covers(service: Service) -> bool:
        if county is None and zip is None:
            return True
        if county is not None and county in service.coverage_counties:
            return True
        if zip is not None and zip in service.coverage_zips:
            return True
        return False

    def speaks(service: Service) -> bool:
        if not language:
            return True
        return language.casefold() in {x.casefold() for x in service.languages}

    return [s for s in services if covers(s) and speaks(s)]


def service_types() -> QuerySet[ServiceType]:
    return ServiceType.objects.all()


def directory_organisations(org: Organisation) -> list[Organisation]:
    """Organisations whose directory entries `org` may see and that have any."""
    with_entries = set(visible_services(org).values_list("organisation_id", flat=True))
    with_entries |= set(visible_profiles(org).values_list("organisation_id", flat=True))
    return list(Organisation.objects.filter(pk__in=with_entries))


def editable_locations(org: Organisation) -> QuerySet[Location]:
    """The sites `org` keeps: its own; a hub also its network CBOs'."""
    return visible_locations(org).filter(organisation__in=editable_organisations(org))


def get_editable_location(org: Organisation, pk: object) -> Location:
    """One site `org` keeps, or 404 (also for sites it may only read)."""
    try:
        pk = uuid.UUID(str(pk))
    except ValueError:
        raise Http404("Not found") from None
    location = editable_locations(org).select_related("organisation").filter(pk=pk).first()
    if location is None:
        raise Http404("Not found")
    return location
