"""Partner systems and their tokens for FHIR tests.

`partner_token(org, scopes="system/*.cruds", role=None)` registers a partner system for
`org` through the service, signs a real client assertion (RS384, a real RSA key) and
gets an access token from the token endpoint, as a partner's system would.
`fhir_get` / `fhir_post` / `fhir_put` send FHIR requests with that token.

    def test_read(tenant, partner_token):
        token = partner_token(tenant.hub, "system/Task.rs")
        response = fhir_get(Client(), "/fhir/Task/1", token)
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django_scopes import scopes_disabled
from jwcrypto import jwk, jwt

from carehub.fhir.models import PartnerSystem
from carehub.fhir.oauth import ASSERTION_TYPE
from carehub.fhir.services import clients
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation

TOKEN_PATH = "/fhir/auth/token"
TOKEN_URL = f"http://testserver{TOKEN_PATH}"
FHIR_JSON = "application/fhir+json"

_KEY: jwk.JWK | None = None


def rsa_key() -> jwk.JWK:
    """One real 2048-bit RSA key for the test run (generating one takes a moment)."""
    global _KEY
    if _KEY is None:
        _KEY = jwk.JWK.generate(kty="RSA", size=2048, kid="test-rsa-1", use="sig", alg="RS384")
    return _KEY


def public_jwks(*keys: jwk.JWK) -> dict[str, Any]:
    return {"keys": [json.loads(k.export_public()) for k in (keys or (rsa_key(),))]}


def make_assertion(client_id: str, key: jwk.JWK | None = None, *, alg: str = "RS384",
                   **claims: Any) -> str:
    """A client assertion as SMART Backend Services asks: iss = sub = client_id,
    aud = the token URL, exp four minutes ahead, a fresh jti. `claims` override (None
    drops a claim)."""
    key = key or rsa_key()
    body: dict[str, Any] = {"iss": client_id, "sub": client_id, "aud": TOKEN_URL,
                            "exp": int(time.time()) + 240, "jti": uuid.uuid4().hex}
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    token = jwt.JWT(header={"alg": alg, "kid": key.kid, "typ": "JWT"}, claims=body)
    token.make_signed_token(key)
    return token.serialize()


def request_token(client: Client, client_id: str, scopes: str, *, assertion: str | None = None,
                  **extra: str) -> Any:
    """POST to the token endpoint as a partner does (form-encoded)."""
    data = {"grant_type": "client_credentials", "scope": scopes,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion if assertion is not None else make_assertion(client_id)}
    data.update(extra)
    return client.post(TOKEN_PATH, data=urlencode(data),
                       content_type="application/x-www-form-urlencoded")


def register_partner(org: Organisation, scopes: str = "system/*.cruds", role: str | None = None,
                     *, name: str = "Partner EHR", key: jwk.JWK | None = None) -> PartnerSystem:
    with scopes_disabled():
        return clients.register(org, name=name, scopes=scopes, role=role,
                                jwks=public_jwks(key or rsa_key()), acting=Acting.system())


def auth_headers(token: str, **headers: str) -> dict[str, str]:
    """Django test client keyword arguments: the bearer token, FHIR JSON accepted, and
    e.g. if_match='W/"2"' given as HTTP_IF_MATCH."""
    out = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT": FHIR_JSON}
    out.update({f"HTTP_{name.upper()}": value for name, value in headers.items()})
    return out


def fhir_get(client: Client, url: str, token: str, **headers: str) -> Any:
    return client.get(url, **auth_headers(token, **headers))  # type: ignore[arg-type]


def fhir_post(client: Client, url: str, token: str, resource: Any, **headers: str) -> Any:
    body = resource if isinstance(resource, (str, bytes)) else json.dumps(resource)
    return client.post(url, data=body, content_type=FHIR_JSON, **auth_headers(token, **headers))  # type: ignore[arg-type]


def fhir_put(client: Client, url: str, token: str, resource: Any, **headers: str) -> Any:
    body = resource if isinstance(resource, (str, bytes)) else json.dumps(resource)
    return client.put(url, data=body, content_type=FHIR_JSON, **auth_headers(token, **headers))  # type: ignore[arg-type]


class PartnerTokens:
    """The `partner_token` fixture: call it for a token; `.partner[token]` is the
    PartnerSystem behind one."""

    def __init__(self) -> None:
        self.partner: dict[str, PartnerSystem] = {}

    def __call__(self, org: Organisation, scopes: str = "system/*.cruds",
                 role: str | None = None) -> str:
        partner = register_partner(org, scopes, role)
        response = request_token(Client(), partner.client_id, scopes)
        assert response.status_code == 200, response.content
        token = response.json()["access_token"]
        self.partner[token] = partner
        return token


@pytest.fixture
def partner_token(db) -> PartnerTokens:  # type: ignore[no-untyped-def]
    return PartnerTokens()


@pytest.fixture
def fhir_client() -> Client:
    return Client()


@pytest.fixture
def fhir_requests() -> dict[str, Callable[..., Any]]:
    """The helpers as a fixture, for tests that prefer not to import them."""
    return {"get": fhir_get, "post": fhir_post, "put": fhir_put}
