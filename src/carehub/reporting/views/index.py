"""The reporting page: the areas the signed-in role may use, one card each."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from carehub.reporting.nav import AREAS, CBO, HUB, PLAN
from carehub.tenancy.access import Acting, require_acting


@require_safe
@require_acting(*HUB, *PLAN, *CBO)
def index(request: HttpRequest, acting: Acting) -> HttpResponse:
    areas = [{"label": label, "url": reverse(name), "about": about}
             for label, name, roles, about in AREAS if acting.role in roles]
    return render(request, "reporting/index.html", {"areas": areas})
