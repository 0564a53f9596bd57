"""The door of every FHIR endpoint: `@fhir_endpoint(resource_type, interaction)`.

A view `(request, **kwargs)` so decorated is reached only with a valid bearer token of
a partner system (django-oauth-toolkit verifies it) holding the SMART scope the
interaction needs. The view then runs as the partner's service user acting for its
organisation in its role (`request.acting`), inside that tenant exactly as pages are
(row-level security and django-scopes), so every selector and service enforces tenancy
and consent as for a person in that role. Every request leaves one audit event naming
the partner system and its client_id; views add the pks of the members they touched to
`request.fhir_members`. Errors are OperationOutcomes: 401 login, 403 forbidden, 404
not-found, 400 invalid, 500 exception.

    @fhir_endpoint("Task", "read")
    def task_read(request, pk): ...
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django_scopes import scope
from oauth2_provider.oauth2_backends import get_oauthlib_core

from carehub.audit import services as audit
from carehub.fhir import smart
from carehub.fhir.models import PartnerSystem
from carehub.fhir.responses import operation_outcome
from carehub.tenancy import rls
from carehub.tenancy.access import Acting

log = logging.getLogger(__name__)

INTERACTIONS = ("read", "search", "create", "update", "delete")
AUDIT_ACTION = {"read": "view", "search": "view", "create": "create", "update": "update",
                "delete": "delete"}
View = Callable[..., HttpResponse]


def _unauthorised(diagnostics: str) -> HttpResponse:
    return operation_outcome(401, diagnostics, code="login",
                             headers={"WWW-Authenticate": 'Bearer realm="carehub-fhir"'})


def authenticate(request: HttpRequest) -> tuple[PartnerSystem | None, Any, str]:
    """(partner, access token, why not) for the request's bearer token."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.startswith("Bearer ") or not header[7:].strip():
        return None, None, "A bearer token is needed (Authorization: Bearer ...)."
    valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
    access_token = getattr(oauth_request, "access_token", None) if valid else None
    if access_token is None:
        return None, None, "The bearer token is unknown, expired or revoked."
    partner = (PartnerSystem.objects
               .select_related("organisation", "membership__organisation", "service_user")
               .filter(application_id=access_token.application_id).first())
    if (partner is None or partner.is_revoked or not partner.membership.is_active
            or not partner.organisation.is_active):
        return None, None, "The partner system of this token is revoked."
    return partner, access_token, ""


def _error_response(exc: Exception) -> HttpResponse:
    if isinstance(exc, (Http404, ObjectDoesNotExist)):
        return operation_outcome(404, "Not found.", code="not-found")
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            issues = [{"severity": "error", "code": "invalid", "diagnostics": f"{field}: {message}",
                       **({"expression": [field]} if field != "__all__" else {})}
                      for field, messages in exc.message_dict.items() for message in messages]
        else:
            issues = [{"severity": "error", "code": "invalid", "diagnostics": message}
                      for message in exc.messages]
        return operation_outcome(400, "", issues=issues)
    if isinstance(exc, PermissionDenied):
        return operation_outcome(403, str(exc) or "Forbidden.", code="forbidden")
    log.exception("FHIR request failed")
    return operation_outcome(500, "The server could not complete the request.", code="exception")


def _audit(request: HttpRequest, partner: PartnerSystem, acting: Acting, resource_type: str,
           interaction: str, kwargs: dict[str, Any], status: int) -> None:
    members = sorted(getattr(request, "fhir_members", set()) or set())
    object_id = next((str(v) for v in kwargs.values()), "") or request.META.get("QUERY_STRING", "")
    audit.record(
        AUDIT_ACTION.get(interaction, "view"), object_type=f"fhir_{resource_type}"[:64],
        object_id=object_id[:100], acting=acting,
        member_id=members[0] if len(members) == 1 else None,
        detail={"partner_system": partner.name, "client_id": partner.client_id,
                "interaction": interaction, "resource_type": resource_type,
                "method": request.method, "path": request.path,
                "query": request.META.get("QUERY_STRING", "")[:1000],
                "status": status, "member_ids": members},
    )


def fhir_endpoint(resource_type: str, interaction: str) -> Callable[[View], View]:
    """Guard a FHIR view: token, scope, tenant, audit, OperationOutcome on error."""
    if interaction not in INTERACTIONS:
        raise ValueError(f"interaction must be one of {INTERACTIONS}, not {interaction!r}")
    letter = smart.INTERACTION_LETTER[interaction]

    def decorator(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            # Identity data (tokens, partner, membership) is read as the owner, before
            # the tenant role is entered, as the middleware does for signed-in users.
            partner, access_token, why = authenticate(request)
            if partner is None:
                return _unauthorised(why)
            membership = partner.membership
            acting = Acting.of(partner.service_user, membership,
                               request_id=getattr(request, "request_id", ""),
                               ip=request.META.get("REMOTE_ADDR") or None)
            request.acting = acting  # type: ignore[attr-defined]
            request.partner = partner  # type: ignore[attr-defined]
            request.fhir_members = set()  # type: ignore[attr-defined]
            request.user = partner.service_user
            request._acting = acting  # type: ignore[attr-defined]  # acting_for(request)
            if not smart.allows(smart.parse_all(access_token.scope), resource_type, letter):
                response = operation_outcome(
                    403, f"This token lacks the scope {smart.needed(resource_type, interaction)} "
                         f"(granted: {access_token.scope or 'none'}).", code="forbidden")
                _audit(request, partner, acting, resource_type, interaction, kwargs, 403)
                return response
            org = membership.organisation
            rls.enter_tenant(org.pk, role=membership.role, user_id=partner.service_user.pk)
            try:
                with scope(organisation=org.pk):
                    try:
                        response = view(request, **kwargs)
                    except Exception as exc:  # every error is an OperationOutcome
                        response = _error_response(exc)
            finally:
                rls.leave_tenant()
            _audit(request, partner, acting, resource_type, interaction, kwargs, response.status_code)
            return response

        return wrapped

    return decorator


def fhir_public(view: View) -> View:
    """A FHIR endpoint anyone may read without a token (the CapabilityStatement, the
    SMART configuration): no tenant data, errors as OperationOutcomes."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, **kwargs)
        except Exception as exc:
            return _error_response(exc)

    return wrapped
