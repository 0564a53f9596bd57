"""Registering, revoking and re-keying partner systems (OAuth2 clients of the FHIR API).

A partner system acts for one organisation in one role as a service user made for it:
a `User` with no usable password (it can never sign in to pages) and a `Membership` in
that role. Its OAuth2 client is a django-oauth-toolkit `Application` (client
credentials, confidential) whose secret is never shown or used: the client authenticates
with a JWT signed by a key in its JWKS.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from jwcrypto import jwk
from oauth2_provider.models import AccessToken, Application, RefreshToken

from carehub.accounts.models import User
from carehub.audit import services as audit
from carehub.fhir import smart
from carehub.fhir.models import PartnerSystem
from carehub.tenancy.access import Acting, organisations_managed_by
from carehub.tenancy.models import ROLES_BY_KIND, Membership, Organisation, OrganisationKind, Role
from carehub.tenancy.rls import as_owner

# The role a partner system gets unless another is chosen: the working role of its kind.
DEFAULT_ROLE = {
    OrganisationKind.HUB: Role.HUB_COORDINATOR,
    OrganisationKind.CBO: Role.CBO_WORKER,
    OrganisationKind.PAYER: Role.PAYER_ANALYST,
}
# Roles a system never gets: administering users and partner systems is for people.
NOT_FOR_SYSTEMS = (Role.HUB_ADMIN,)
JWKS_MAX_BYTES = 64 * 1024
JWKS_TIMEOUT_SECONDS = 5
JWKS_CACHE_SECONDS = 300
_jwks_cache: dict[str, tuple[float, dict[str, Any]]] = {}


def _may_administer(acting: Acting, organisation: Organisation) -> bool:
    if acting.role == "system":  # commands run by an operator
        return True
    if not acting.has_role(Role.HUB_ADMIN):
        return False
    return organisations_managed_by(acting.organisation).filter(pk=organisation.pk).exists()


def validate_jwks(data: Any, *, field: str = "jwks") -> dict[str, Any]:
    """A JWK Set of public signing keys only: RSA of 2048 bits or more, or EC P-384.
    Refuses a private key (its holder must keep it) with an error naming `field`."""
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise ValidationError({field: f"{field} is not JSON: {exc}"}) from exc
    if isinstance(data, dict) and "kty" in data and "keys" not in data:
        data = {"keys": [data]}  # one key, pasted on its own
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list) or not data["keys"]:
        raise ValidationError({field: f'{field} must be a JWK Set: {{"keys": [...]}} with at least one key.'})
    for n, key in enumerate(data["keys"], start=1):
        where = f"{field}: key {n}" + (f" (kid {key.get('kid')})" if isinstance(key, dict) and key.get("kid") else "")
        if not isinstance(key, dict):
            raise ValidationError({field: f"{where} is not an object."})
        if any(part in key for part in ("d", "p", "q", "dp", "dq", "qi", "k")):
            raise ValidationError({field: f"{where} is a private or secret key; register only the public key."})
        try:
            parsed = jwk.JWK(**key)
        except Exception as exc:
            raise ValidationError({field: f"{where} is not a valid JWK: {exc}"}) from exc
        kty = key.get("kty")
        if kty == "RSA":
            bits = int.from_bytes(jwk.base64url_decode(key["n"]), "big").bit_length()
            if bits < 2048:
                raise ValidationError({field: f"{where} is an RSA key of {bits} bits; at least 2048 are needed."})
        elif kty == "EC":
            if key.get("crv") != "P-384":
                raise ValidationError({field: f"{where} is on curve {key.get('crv')}; ES384 needs P-384."})
        else:
            raise ValidationError({field: f"{where} has kty {kty!r}; only RSA and EC keys sign RS384 or ES384."})
        if key.get("use") not in (None, "sig"):
            raise ValidationError({field: f"{where} has use {key.get('use')!r}; it must sign (use sig)."})
        if parsed.has_private:
            raise ValidationError({field: f"{where} is a private key; register only the public key."})
    return data


def validate_jwks_url(url: str, *, field: str = "jwks_url") -> str:
    """https, except on the loopback address (tests and a partner's local proxy)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    loopback = host == "localhost"
    try:
        loopback = loopback or ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ValidationError({field: f"{field} must be an https URL (http only on the loopback address)."})
    return url


def fetch_jwks(url: str, *, refresh: bool = False) -> dict[str, Any]:
    """The JWK Set at `url`, cached a few minutes; bounded in time and size."""
    import requests

    now = time.monotonic()
    cached = _jwks_cache.get(url)
    if cached and not refresh and now - cached[0] < JWKS_CACHE_SECONDS:
        return cached[1]
    validate_jwks_url(url)
    with requests.get(url, timeout=JWKS_TIMEOUT_SECONDS, stream=True, allow_redirects=False,
                      headers={"Accept": "application/json"}) as response:
        response.raise_for_status()
        body = b""
        for chunk in response.iter_content(8192):
            body += chunk
            if len(body) > JWKS_MAX_BYTES:
                raise ValidationError({"jwks_url": f"The JWKS at {url} is larger than {JWKS_MAX_BYTES} bytes."})
    data = validate_jwks(body, field="jwks_url")
    _jwks_cache[url] = (now, data)
    return data


def validate_scopes(scopes: str) -> str:
    wrong = smart.invalid(scopes)
    if wrong:
        raise ValidationError({"scopes": f"Not a system scope carehub knows: {', '.join(wrong)} "
                                         "(write system/<Type>.<letters of cruds>, e.g. system/Task.rs)."})
    if not scopes.split():
        raise ValidationError({"scopes": "At least one scope is needed."})
    return " ".join(dict.fromkeys(scopes.split()))


@transaction.atomic
def register(organisation: Organisation, *, name: str, scopes: str, acting: Acting,
             jwks: Any = None, jwks_url: str = "", role: str | None = None) -> PartnerSystem:
    """Register a partner system acting for `organisation`. Only a hub administrator of
    an organisation it administers (or an operator's command) may."""
    if not _may_administer(acting, organisation):
        raise PermissionDenied("Only a hub administrator of this organisation's network may register a partner system.")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A name is needed."})
    scopes = validate_scopes(scopes)
    role = role or DEFAULT_ROLE[OrganisationKind(organisation.kind)]
    if role in NOT_FOR_SYSTEMS:
        raise ValidationError({"role": f"A partner system may not act as a {Role(role).label}: "
                                       "administration stays with people."})
    if role not in ROLES_BY_KIND[organisation.kind]:
        raise ValidationError({"role": f"Role {role!r} does not fit a {organisation.get_kind_display()}; "
                                       f"choose one of {', '.join(ROLES_BY_KIND[organisation.kind])}."})
    if bool(jwks) == bool(jwks_url):
        raise ValidationError({"jwks": "Give either a JWK Set or a JWKS URL."})
    keys: dict[str, Any] = {}
    if jwks_url:
        jwks_url = validate_jwks_url(jwks_url.strip())
    else:
        keys = validate_jwks(jwks)
    client_id = secrets.token_urlsafe(24)
    # Identity rows (users, memberships, OAuth2 applications) are written as the owner:
    # the tenant role may not create users or touch DOT's tables.
    with as_owner():
        user = User(username=f"fhir-client-{client_id[:16].lower()}", display_name=f"{name} (partner system)",
                    first_name=name[:150])
        user.set_unusable_password()
        # A machine, not a colleague: inactive users are never offered as assignees, told
        # of work or counted as a CBO's staff, and cannot sign in. The FHIR door checks
        # the partner system and its membership, not this flag.
        user.is_active = False
        user.save()
        membership = Membership.objects.create(user=user, organisation=organisation, role=role)
        application = Application.objects.create(
            name=f"{name} · {organisation.slug}"[:255], client_id=client_id,
            client_secret=secrets.token_urlsafe(32),  # stored hashed, never shown or used
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            user=user, skip_authorization=True, redirect_uris="",
        )
        partner = PartnerSystem.objects.create(
            organisation=organisation, name=name, application=application, client_id=client_id,
            service_user=user, membership=membership, role=role, jwks=keys, jwks_url=jwks_url,
            scopes=scopes, registered_by=acting.user if getattr(acting.user, "pk", None) else None,
        )
    audit.record("create", object_type="fhir_partner_system", object_id=str(partner.pk), acting=acting,
                 detail={"client_id": client_id, "name": name, "organisation": organisation.slug,
                         "role": role, "scopes": scopes, "jwks_url": jwks_url})
    return partner


@transaction.atomic
def revoke(partner: PartnerSystem, *, acting: Acting) -> PartnerSystem:
    """Revoke a partner system: its tokens stop working at once and it gets no more."""
    if not _may_administer(acting, partner.organisation):
        raise PermissionDenied("Only a hub administrator of this organisation's network may revoke it.")
    if partner.revoked_at is not None:
        return partner
    now = timezone.now()
    with as_owner():
        AccessToken.objects.filter(application_id=partner.application_id).delete()
        RefreshToken.objects.filter(application_id=partner.application_id).delete()
        PartnerSystem.objects.filter(pk=partner.pk).update(
            revoked_at=now, revoked_by=acting.user if getattr(acting.user, "pk", None) else None)
        Membership.objects.filter(pk=partner.membership_id).update(is_active=False)
    partner.revoked_at = now
    audit.record("update", object_type="fhir_partner_system", object_id=str(partner.pk), acting=acting,
                 detail={"client_id": partner.client_id, "revoked": True})
    return partner


@transaction.atomic
def rotate_keys(partner: PartnerSystem, *, acting: Acting, jwks: Any = None,
                jwks_url: str = "") -> PartnerSystem:
    """Replace the partner's keys (a JWK Set or a JWKS URL). Tokens already issued keep
    working until they expire; new assertions must be signed by a new key."""
    if not _may_administer(acting, partner.organisation):
        raise PermissionDenied("Only a hub administrator of this organisation's network may change its keys.")
    if partner.revoked_at is not None:
        raise ValidationError({"jwks": "This partner system is revoked."})
    if bool(jwks) == bool(jwks_url):
        raise ValidationError({"jwks": "Give either a JWK Set or a JWKS URL."})
    keys: dict[str, Any] = {}
    if jwks_url:
        jwks_url = validate_jwks_url(jwks_url.strip())
        _jwks_cache.pop(jwks_url, None)
    else:
        keys = validate_jwks(jwks)
    with as_owner():
        PartnerSystem.objects.filter(pk=partner.pk).update(jwks=keys, jwks_url=jwks_url)
    partner.jwks, partner.jwks_url = keys, jwks_url
    audit.record("update", object_type="fhir_partner_system", object_id=str(partner.pk), acting=acting,
                 detail={"client_id": partner.client_id, "keys_rotated": True, "jwks_url": jwks_url})
    return partner
