"""The plan's directory page: its network, read-only (see `plan_network`)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from carehub.network import selectors
from carehub.network.plan_network import plan_directory
from carehub.tenancy.access import Acting


def plan_directory_page(request: HttpRequest, acting: Acting,
                        filters: dict[str, str]) -> HttpResponse:
    payer = acting.organisation
    if payer is None:
        raise Http404("Not found")
    entries = plan_directory(
        payer, service_type=filters["service_type"], county=filters["county"],
        language=filters["language"], query=filters["q"],
    )
    organisations = sorted({e.service.organisation.name for e in entries})
    return render(request, "network/plan_directory.html", {
        "entries": entries, "filters": filters, "service_types": selectors.service_types(),
        "organisation_count": len(organisations),
        "stale_count": sum(1 for e in entries if e.service.is_stale),
    })
