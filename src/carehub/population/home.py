"""The Eligibility card on a plan's home page: its datasets, criteria and latest run."""

from __future__ import annotations

from django.http import HttpRequest

from carehub.population import selectors
from carehub.tenancy import roles
from carehub.tenancy.access import Acting
from carehub.tenancy.home import Panel

ORDER = 20


def panels(request: HttpRequest, acting: Acting) -> list[Panel]:
    if not acting.has_role(*roles.PLAN):
        return []
    plan = acting.organisation
    return [Panel("population/home/card.html", {
        "datasets": selectors.datasets(plan).count(),
        "criteria": len(selectors.latest_criteria(plan)),
        "latest": selectors.runs(plan).first(),
    }, ORDER)]
