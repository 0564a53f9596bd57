"""The acting party of a sign-in request, for the services the sign-in pages call."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from carehub.tenancy.access import Acting, acting_for


def request_acting(request: HttpRequest, user: Any = None) -> Acting:
    """The signed-in user's `Acting` when there is one; else `user` (or nobody yet) with
    the request's id and address and no organisation (between password and second
    factor, or platform staff without one)."""
    acting = acting_for(request)
    if acting is not None:
        return acting
    return Acting.unaffiliated(user, request_id=getattr(request, "request_id", ""),
                               ip=request.META.get("REMOTE_ADDR") or None)
