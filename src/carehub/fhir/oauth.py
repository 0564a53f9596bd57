"""OAuth2 for partner systems: SMART Backend Services on django-oauth-toolkit.

DOT runs the token endpoint and issues and stores the access tokens; what it lacks is
client authentication by a signed JWT assertion (`private_key_jwt`, RFC 7523), which
`PartnerValidator.authenticate_client` adds with jwcrypto. Scopes granted are those asked
for narrowed to the partner's registration (`smart.grant`).
"""

from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from jwcrypto import jwk, jwt
from jwcrypto.common import JWException
from oauth2_provider.oauth2_backends import OAuthLibCore
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749 import errors

from carehub.fhir import smart
from carehub.fhir.models import PartnerSystem, UsedAssertion

log = logging.getLogger(__name__)

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SIGNING_ALGS = ("RS384", "ES384")
# Clocks differ: an assertion a little past its exp, or a little further ahead, still counts.
LEEWAY_SECONDS = 30
# Where the token endpoint was reached, passed to the validator (oauthlib sees only headers).
TOKEN_URL_HEADER = "X-Carehub-Token-Url"  # nosec B105 # a header name, no secret


class PartnerOAuthLibCore(OAuthLibCore):
    """DOT's bridge to oauthlib, also telling the validator the token endpoint's absolute
    URL: a client assertion's `aud` must name it."""

    def extract_headers(self, request: HttpRequest) -> dict[str, Any]:
        headers = super().extract_headers(request)
        headers[TOKEN_URL_HEADER] = request.build_absolute_uri(request.path)
        return headers


def token_audiences(request_url: str | None) -> set[str]:
    """The `aud` values a client assertion may carry: the token URL as reached, and as
    the site's configured address gives it (behind a proxy the two differ)."""
    from django.urls import reverse

    audiences = {f"{settings.SITE_URL}{reverse('fhir:token')}"}
    if request_url:
        audiences.add(request_url)
    return audiences


def _unverified_claims(assertion: str) -> dict[str, Any]:
    """The payload of a compact JWS, before its signature is checked: only to find
    which client's keys check it."""
    parts = assertion.split(".")
    if len(parts) != 3:
        raise errors.InvalidClientError(description="client_assertion is not a signed JWT")
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, TypeError) as exc:
        raise errors.InvalidClientError(description="client_assertion payload is not JSON") from exc
    if not isinstance(claims, dict):
        raise errors.InvalidClientError(description="client_assertion payload is not an object")
    return claims


def partner_keys(partner: PartnerSystem) -> jwk.JWKSet:
    """The partner's public keys: registered, or fetched from its JWKS URL."""
    if partner.jwks_url:
        from carehub.fhir.services.clients import fetch_jwks

        data = fetch_jwks(partner.jwks_url)
    else:
        data = partner.jwks
    return jwk.JWKSet.from_json(json.dumps(data))


def verify_assertion(assertion: str, *, audiences: set[str],
                     client_id: str | None = None) -> PartnerSystem:
    """Check a client assertion: signed RS384 or ES384 by one of the partner's keys,
    iss = sub = its client_id, aud = the token URL, exp at most five minutes ahead, a
    jti never used before. Returns the partner; refuses with invalid_client saying why."""
    claims = _unverified_claims(assertion)
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise errors.InvalidClientError(description="client_assertion has no iss")
    if client_id and client_id != issuer:
        raise errors.InvalidClientError(description="client_id is not the assertion's iss")
    partner = (PartnerSystem.objects.select_related("application", "organisation")
               .filter(client_id=issuer).first())
    if partner is None or partner.is_revoked or not partner.organisation.is_active:
        raise errors.InvalidClientError(description="unknown or revoked client")
    try:
        keys = partner_keys(partner)
    except Exception as exc:
        log.warning("JWKS of client %s unusable: %s", partner.client_id, exc)
        raise errors.InvalidClientError(description="the client's keys could not be loaded") from exc
    try:
        token = jwt.JWT(algs=list(SIGNING_ALGS), expected_type="JWS",
                        check_claims={"iss": issuer, "sub": issuer, "exp": None, "jti": None})
        token.leeway = LEEWAY_SECONDS
        token.deserialize(assertion, key=keys)
        verified = json.loads(token.claims)
    except (JWException, ValueError, TypeError) as exc:
        raise errors.InvalidClientError(
            description=f"client_assertion refused: {type(exc).__name__}: {exc}"[:300]) from exc
    aud = verified.get("aud")
    auds = {aud} if isinstance(aud, str) else set(aud) if isinstance(aud, list) else set()
    if not auds & audiences:
        raise errors.InvalidClientError(description="client_assertion aud is not this token URL")
    now = timezone.now()
    exp = datetime.fromtimestamp(int(verified["exp"]), tz=UTC)
    if exp > now + timedelta(seconds=settings.CAREHUB_FHIR_ASSERTION_MAX_SECONDS + LEEWAY_SECONDS):
        raise errors.InvalidClientError(
            description="client_assertion exp is more than five minutes ahead")
    jti = verified["jti"]
    if not isinstance(jti, str) or not jti or len(jti) > 255:
        raise errors.InvalidClientError(description="client_assertion jti must be a string")
    UsedAssertion.objects.filter(client_id=issuer, expires_at__lt=now - timedelta(seconds=LEEWAY_SECONDS)).delete()
    try:
        with transaction.atomic():
            UsedAssertion.objects.create(client_id=issuer, jti=jti,
                                         expires_at=exp + timedelta(seconds=LEEWAY_SECONDS))
    except IntegrityError as exc:
        raise errors.InvalidClientError(description="client_assertion jti was used before") from exc
    return partner


class PartnerValidator(OAuth2Validator):
    """DOT's validator, with clients authenticated only by a signed JWT assertion
    (never by a client secret) and scopes granted by the partner's registration."""

    def authenticate_client(self, request: Any, *args: Any, **kwargs: Any) -> bool:
        if getattr(request, "client_assertion_type", None) != ASSERTION_TYPE:
            raise errors.InvalidClientError(
                description=f"client_assertion_type must be {ASSERTION_TYPE}", request=request)
        assertion = getattr(request, "client_assertion", None)
        if not assertion:
            raise errors.InvalidClientError(description="client_assertion is missing",
                                            request=request)
        headers = getattr(request, "headers", None) or {}
        partner = verify_assertion(assertion, audiences=token_audiences(headers.get(TOKEN_URL_HEADER)),
                                   client_id=getattr(request, "client_id", None))
        request.client = partner.application
        request.client_id = partner.client_id
        request.partner = partner
        return True

    def authenticate_client_id(self, client_id: str, request: Any, *args: Any, **kwargs: Any) -> bool:
        return False  # every partner is a confidential client

    def validate_scopes(self, client_id: str, scopes: list[str], client: Any, request: Any,
                        *args: Any, **kwargs: Any) -> bool:
        partner = getattr(request, "partner", None)
        if partner is None:
            return False
        granted = smart.grant(scopes, partner.scopes)
        if not granted:
            raise errors.InvalidScopeError(
                description="none of the requested scopes is granted to this client "
                            f"(registered: {partner.scopes})", request=request)
        request.scopes = granted
        return True

    def get_default_scopes(self, client_id: str, request: Any, *args: Any, **kwargs: Any) -> list[str]:
        return []  # SMART: a client asks for its scopes
