"""Cards that apps add to each role's home page.

An app with cards has a `home.py` with `panels(request, acting) -> list[Panel]` and is
listed in PANELS below; each card is rendered with its own template, so the home page
shows what every part of the product already knows about the acting organisation.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from carehub.population import home as population_home
from carehub.referrals import home as referrals_home
from carehub.tenancy.access import Acting
from carehub.tenancy.home import Panel

PANELS: list[Callable[[HttpRequest, Acting], list[Panel]]] = [
    referrals_home.panels,
    population_home.panels,
]


def home_panels(request: HttpRequest, acting: Acting) -> list[SafeString]:
    panels = [panel for cards in PANELS for panel in cards(request, acting)]
    panels.sort(key=lambda p: p.order)
    return [
        mark_safe(render_to_string(p.template, {**p.context, "acting": acting}, request=request))  # noqa: S308  # nosec B308 B703 # an autoescaping template rendered it
        for p in panels
    ]
