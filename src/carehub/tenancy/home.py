"""Cards that apps add to each role's home page.

An app may have a `home.py` with `panels(request, acting) -> list[Panel]`; each panel is
rendered with its own template, so the home page shows what every part of the product
already knows about the acting organisation.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe


@dataclass
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 50


def home_panels(request: HttpRequest, acting: Any) -> list[SafeString]:
    panels: list[Panel] = []
    for app in settings.INSTALLED_APPS:
        if not app.startswith("carehub.") or app == "carehub.tenancy":
            continue
        try:
            module = importlib.import_module(f"{app}.home")
        except ModuleNotFoundError:
            continue
        panels.extend(module.panels(request, acting))
    panels.sort(key=lambda p: p.order)
    return [
        mark_safe(render_to_string(p.template, {**p.context, "acting": acting}, request=request))  # noqa: S308  # nosec B308 B703 # an autoescaping template rendered it
        for p in panels
    ]
