"""The plan's directory page: the CBOs and services its contracts in effect use,
read-only (see `plan_network`). The directory link sends a plan here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from carehub.contracts.plan_network import plan_directory
from carehub.network import selectors
from carehub.tenancy import roles
from carehub.tenancy.access import Acting, require_acting


@require_acting(*roles.PLAN)
def plan_directory_page(request: HttpRequest, acting: Acting) -> HttpResponse:
    filters = {key: request.GET.get(key, "").strip()[:80]
               for key in ("service_type", "county", "language", "q")}
    entries = plan_directory(
        acting.organisation, service_type=filters["service_type"], county=filters["county"],
        language=filters["language"], query=filters["q"],
    )
    organisations = sorted({e.service.organisation.name for e in entries})
    return render(request, "contracts/plan_directory.html", {
        "entries": entries, "filters": filters, "service_types": selectors.service_types(),
        "organisation_count": len(organisations),
        "stale_count": sum(1 for e in entries if e.service.is_stale),
    })
