"""Every request, not only sign-in, enforces the second factor.

A session whose user needs a second factor (their role, platform staff, or a device
they set up) but is not verified with a device that still exists is signed out: a
session from before a reset or a replacement, one made outside the sign-in pages, or
one whose user was given a role that needs a second factor after signing in.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from carehub.accounts import services
from carehub.accounts.signin import request_acting


class SecondFactorRequiredMiddleware:
    """Must come after django_otp's OTPMiddleware, which sets `user.is_verified`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not user.is_verified() and services.needs_second_factor(user):  # type: ignore[union-attr,attr-defined]
            services.audit_second_factor_refused(user, "session_without_second_factor",
                                                 acting=request_acting(request, user))
            logout(request)
            request.__dict__.pop("_acting", None)  # cached by request_acting above
        return self.get_response(request)
