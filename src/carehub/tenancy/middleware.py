"""Per request: the active organisation scopes every tenant query.

Two layers are switched on here: django-scopes (an unscoped query on tenant data
raises) and, on PostgreSQL, row-level security through the tenant role.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django_scopes import scope, scopes_disabled

from carehub.tenancy import rls
from carehub.tenancy.access import acting_for

# Paths that never touch tenant data and must work before sign-in completes.
UNSCOPED_PREFIXES = ("/static/", "/admin/")


class ActiveOrganisationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(UNSCOPED_PREFIXES):
            # Django's admin is for platform staff only and sees every tenant.
            with scopes_disabled():
                return self.get_response(request)
        acting = acting_for(request)
        org_id = acting.organisation.pk if acting else None
        rls.enter_tenant(org_id)
        try:
            with scope(organisation=org_id):
                return self.get_response(request)
        finally:
            rls.leave_tenant()
