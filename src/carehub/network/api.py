"""Open Referral HSDS 3.0 API: the required and directory endpoints, mounted at /api/hsds/.

Each signed-in organisation sees the directory entries it may see (its own, its network's).
Lists are paginated as the spec's OpenAPI says: page, per_page, and the Page envelope.
Response shapes are in `network/schemas.py`; a property with no value is left out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Path, Query, Router

from carehub.network import hsds, selectors
from carehub.network.schemas import (
    ApiMetaOut,
    OrganizationOut,
    OrganizationPage,
    ServiceAtLocationPage,
    ServiceOut,
    ServicePage,
)
from carehub.tenancy.access import Acting

router = Router(tags=["hsds"])
MAX_PER_PAGE = 100
MAX_PAGE = 100_000
# Query and path strings: bounded, and no NUL (PostgreSQL text cannot hold one).
NO_NUL = r"^[^\x00]*$"
PAGE = Query(1, ge=1, le=MAX_PAGE, description="page number, from 1")
PER_PAGE = Query(50, ge=1, le=MAX_PER_PAGE, description=f"items per page, 1 to {MAX_PER_PAGE}")
SEARCH = Query("", max_length=100, pattern=NO_NUL, description="text the name contains")


def _acting(request: HttpRequest) -> Acting:
    acting: Acting | None = request.auth  # type: ignore[attr-defined]
    if acting is None:
        raise Http404
    return acting


def _page(items: Sequence[Any], page: int, per_page: int,
          render: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    total = len(items)
    pages = max(1, math.ceil(total / per_page))
    chunk = items[(page - 1) * per_page: page * per_page]
    return {
        "total_items": total, "total_pages": pages, "page_number": page, "size": len(chunk),
        "first_page": page == 1, "last_page": page >= pages, "empty": not chunk,
        "contents": [render(item) for item in chunk],
    }


@router.get("/", auth=None, response=ApiMetaOut)
def api_meta(request: HttpRequest) -> dict[str, str]:
    return {"version": hsds.HSDS_VERSION, "profile": hsds.PROFILE_URL,
            "openapi_url": request.build_absolute_uri("/api/openapi.json")}


@router.get("/services", response=ServicePage, exclude_unset=True)
def list_services(request: HttpRequest, page: int = PAGE, per_page: int = PER_PAGE,
                  search: str = SEARCH,
                  organization_id: str = Query("", max_length=36, pattern=NO_NUL),
                  full: bool = False) -> dict[str, Any]:
    org = _acting(request).organisation
    qs = selectors.visible_services(org).select_related("organisation", "service_type",
                                                        "verified_by")
    if search:
        qs = qs.filter(name__icontains=search)
    services = list(qs.order_by("name", "id"))
    if organization_id:
        services = [s for s in services
                    if str(hsds.profile_for(s.organisation).id) == organization_id]
    render = hsds.service_document if full else hsds.service_list_item
    return _page(services, page, per_page, render)


@router.get("/services/{service_id}", response=ServiceOut, exclude_unset=True)
def get_service(request: HttpRequest,
                service_id: str = Path(..., max_length=36, pattern=NO_NUL)) -> dict[str, Any]:
    org = _acting(request).organisation
    service = selectors.get_service(org, service_id)
    return hsds.service_document(service)


@router.get("/organizations", response=OrganizationPage, exclude_unset=True)
def list_organizations(request: HttpRequest, page: int = PAGE, per_page: int = PER_PAGE,
                       search: str = SEARCH) -> dict[str, Any]:
    org = _acting(request).organisation
    orgs = sorted(selectors.directory_organisations(org), key=lambda o: (o.name, o.pk))
    if search:
        orgs = [o for o in orgs if search.casefold() in o.name.casefold()]
    profiles = [hsds.profile_for(o) for o in orgs]
    return _page(profiles, page, per_page, hsds.organization_list_item)


@router.get("/organizations/{organization_id}", response=OrganizationOut,
            exclude_unset=True)
def get_organization(request: HttpRequest,
                     organization_id: str = Path(..., max_length=36, pattern=NO_NUL)
                     ) -> dict[str, Any]:
    org = _acting(request).organisation
    profile = selectors.visible_profiles(org).filter(pk=_uuid_or_404(organization_id)).first()
    if profile is None:
        raise Http404
    return hsds.organization_document(profile)


@router.get("/service_at_locations", response=ServiceAtLocationPage, exclude_unset=True)
def list_service_at_locations(request: HttpRequest, page: int = PAGE,
                              per_page: int = PER_PAGE) -> dict[str, Any]:
    org = _acting(request).organisation
    rows = list(selectors.visible_service_at_locations(org)
                .select_related("location", "service").order_by("service__name", "id"))
    return _page(rows, page, per_page,
                 lambda sal: hsds.service_at_location_document(sal, with_service=True))


def _uuid_or_404(value: str) -> str:
    import uuid

    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise Http404 from None
