"""The bell in the header: the signed-in person's unread count on every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from carehub.notifications.selectors import unread_count
from carehub.tenancy.access import acting_for


def bell(request: HttpRequest) -> dict[str, Any]:
    if acting_for(request) is None:
        return {}
    return {"unread_notifications": unread_count(request.user)}
