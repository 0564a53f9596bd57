from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from carehub.portal.nav import nav_items
from carehub.tenancy.access import acting_for, active_memberships


def active_organisation(request: HttpRequest) -> dict[str, Any]:
    acting = acting_for(request)
    if acting is None:
        return {"acting": None, "memberships": [], "nav_items": []}
    return {
        "acting": acting,
        "memberships": list(active_memberships(acting.user)),
        "nav_items": nav_items(acting.role),
    }
