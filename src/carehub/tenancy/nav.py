"""Navigation entries: each app may have a `nav.py` with NAV = [(label, url name, roles)]."""

from __future__ import annotations

import importlib

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from carehub.tenancy.models import Role
from carehub.tenancy.roles import AUDIT_READERS, STAFF

NAV = [
    ("Network & users", "tenancy:organisations", (Role.HUB_ADMIN,)),
    ("Hub networks", "tenancy:cbo_networks", (Role.CBO_SUPERVISOR,)),
    ("Members", "members:list", STAFF),
    ("Audit trail", "audit:list", AUDIT_READERS),
]


def nav_items(role: str) -> list[dict[str, str]]:
    items: list[dict[str, str]] = []
    for app in settings.INSTALLED_APPS:
        if not app.startswith("carehub."):
            continue
        try:
            module = importlib.import_module(f"{app}.nav")
        except ModuleNotFoundError:
            continue
        for label, url_name, roles in getattr(module, "NAV", []):
            if role in roles:
                try:
                    items.append({"label": label, "url": reverse(url_name)})
                except NoReverseMatch:
                    continue
    return items
