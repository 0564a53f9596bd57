"""Per request: the active organisation scopes every tenant query.

Two layers are switched on here: django-scopes (an unscoped query on tenant data
raises) and, on PostgreSQL, row-level security through the tenant role.

Which paths run as which database role:
- /static/, /admin/ and /healthz: the owner, scopes disabled (Django's admin is for
  platform staff and sees every tenant; /healthz shows counts of the queue, no tenant data).
- /accounts/ (sign-in, second factor, sign-out, switching organisation, the user's own
  account pages): the owner, with django-scopes still scoped to the acting organisation.
  These pages read and write identity data the tenant role may not touch (password
  hashes, TOTP devices, sessions, sign-in throttles) and no tenant data.
- /fhir/ (the API, not its /fhir/partners/ pages): nothing here; the FHIR door enters
  the tenant for the partner system a bearer token names.
- everything else: the tenant role `carehub_tenant`, acting for the active organisation
  in the acting role as the signed-in user.
The user, their second-factor device and the session are loaded before the tenant role
is entered, and the session is saved after it is left (SessionMiddleware wraps this one).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django_scopes import scope, scopes_disabled

from carehub.tenancy import rls
from carehub.tenancy.access import acting_for

# Paths that never touch tenant data and must work before sign-in completes.
# /healthz reads only the queue and worker tables, as the owner, for anyone (monitors).
UNSCOPED_PREFIXES = ("/static/", "/admin/", "/healthz")
# Identity pages: run as the owner, still scoped to the acting organisation.
IDENTITY_PREFIXES = ("/accounts/",)
# The FHIR API: partner systems send a bearer token, never a session. Its door
# (carehub.fhir.auth.fhir_endpoint) reads the token and the partner as the owner, then
# enters the tenant for the partner's organisation itself; here nothing is done, so no
# session is loaded or written for an API call. The partner-system pages under
# /fhir/partners/ are pages like any other and are handled below.
FHIR_API_PREFIX = "/fhir/"
FHIR_PAGE_PREFIXES = ("/fhir/partners/",)


class ActiveOrganisationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(UNSCOPED_PREFIXES):
            # Django's admin is for platform staff only and sees every tenant.
            with scopes_disabled():
                return self.get_response(request)
        if request.path.startswith(FHIR_API_PREFIX) and not request.path.startswith(FHIR_PAGE_PREFIXES):
            return self.get_response(request)
        # Resolving the acting membership loads the user (and their device and session)
        # now, as the owner: the tenant role cannot read sessions, devices or hashes.
        acting = acting_for(request)
        org_id = acting.organisation.pk if acting else None
        if request.path.startswith(IDENTITY_PREFIXES):
            with scope(organisation=org_id):
                return self.get_response(request)
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        rls.enter_tenant(org_id, role=acting.role if acting else "", user_id=user_id)
        try:
            with scope(organisation=org_id):
                return self.get_response(request)
        finally:
            rls.leave_tenant()
