"""Partner systems on the FHIR API: the token endpoint (SMART Backend Services) and the
door every FHIR endpoint is behind."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from jwcrypto import jwk
from oauth2_provider.models import AccessToken

from carehub.audit.models import AuditEvent
from carehub.fhir.models import PartnerSystem
from carehub.fhir.services import clients
from carehub.tenancy.access import Acting
from tests.integration.fhir.conftest import (
    TOKEN_PATH,
    fhir_get,
    fhir_post,
    make_assertion,
    register_partner,
    request_token,
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.integration.fhir.probe_urls")]


def probe(pk: object) -> str:
    return f"/fhir/probe/Patient/{pk}"


# --- the token endpoint ---------------------------------------------------------------

def test_a_signed_assertion_gets_a_token_with_the_scopes_asked_and_registered(tenant):
    partner = register_partner(tenant.hub, "system/Task.cruds system/Patient.rs")
    response = request_token(Client(), partner.client_id, "system/Task.rs system/Patient.r")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"].lower() == "bearer"
    assert body["scope"] == "system/Task.rs system/Patient.r"
    assert 0 < body["expires_in"] <= 300
    assert response["Cache-Control"] == "no-store"
    token = AccessToken.objects.get(application=partner.application)
    assert token.scope == "system/Task.rs system/Patient.r"


def test_scopes_not_registered_are_narrowed_away(tenant):
    partner = register_partner(tenant.hub, "system/Task.rs")
    response = request_token(Client(), partner.client_id, "system/*.cruds system/Patient.r")
    assert response.status_code == 200, response.content
    assert response.json()["scope"] == "system/Task.rs"
    v1 = request_token(Client(), partner.client_id, "system/Task.read")
    assert v1.json()["scope"] == "system/Task.read"


def test_no_scope_in_common_is_invalid_scope(tenant):
    partner = register_partner(tenant.hub, "system/Task.rs")
    response = request_token(Client(), partner.client_id, "system/Patient.r launch")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


@pytest.mark.parametrize("case", ["wrong_key", "expired", "far_future", "wrong_aud", "no_jti",
                                  "sub_differs", "hs256", "garbage", "unknown_client"])
def test_a_bad_assertion_is_invalid_client(tenant, case):
    partner = register_partner(tenant.hub, "system/Task.rs")
    cid = partner.client_id
    other_key = jwk.JWK.generate(kty="RSA", size=2048, kid="test-rsa-1")
    assertion = {
        "wrong_key": lambda: make_assertion(cid, other_key),
        "expired": lambda: make_assertion(cid, exp=int(time.time()) - 600),
        "far_future": lambda: make_assertion(cid, exp=int(time.time()) + 3600),
        "wrong_aud": lambda: make_assertion(cid, aud="https://elsewhere.example/token"),
        "no_jti": lambda: make_assertion(cid, jti=None),
        "sub_differs": lambda: make_assertion(cid, sub="someone-else"),
        "hs256": lambda: make_assertion(cid, jwk.JWK.generate(kty="oct", size=256, kid="test-rsa-1"),
                                        alg="HS256"),
        "garbage": lambda: "not.a.jwt",
        "unknown_client": lambda: make_assertion("no-such-client"),
    }[case]()
    response = request_token(Client(), cid, "system/Task.rs", assertion=assertion)
    assert response.status_code == 401, response.content
    assert response.json()["error"] == "invalid_client"
    assert not AccessToken.objects.filter(application=partner.application).exists()


def test_a_replayed_assertion_is_refused(tenant):
    partner = register_partner(tenant.hub, "system/Task.rs")
    assertion = make_assertion(partner.client_id)
    assert request_token(Client(), partner.client_id, "system/Task.rs", assertion=assertion).status_code == 200
    again = request_token(Client(), partner.client_id, "system/Task.rs", assertion=assertion)
    assert again.status_code == 401
    assert again.json() == {"error": "invalid_client",
                            "error_description": "client_assertion jti was used before"}


def test_a_client_secret_or_no_assertion_gets_nothing(tenant):
    partner = register_partner(tenant.hub, "system/Task.rs")
    response = Client().post(TOKEN_PATH, {"grant_type": "client_credentials", "scope": "system/Task.rs",
                                          "client_id": partner.client_id, "client_secret": "guess"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    other_grant = Client().post(TOKEN_PATH, {"grant_type": "password", "username": "x", "password": "y"})
    assert other_grant.status_code == 400
    assert other_grant.json()["error"] == "unsupported_grant_type"


def test_a_revoked_partner_gets_no_token_and_its_token_stops_working(tenant, partner_token):
    token = partner_token(tenant.hub, "system/Patient.rs")
    partner = partner_token.partner[token]
    assert fhir_get(Client(), probe(tenant.member.pk), token).status_code == 200
    with scopes_disabled():
        clients.revoke(partner, acting=Acting.system())
    refused = fhir_get(Client(), probe(tenant.member.pk), token)
    assert refused.status_code == 401
    assert refused.json()["issue"][0]["code"] == "login"
    again = request_token(Client(), partner.client_id, "system/Patient.rs")
    assert again.status_code == 401
    assert again.json()["error"] == "invalid_client"


def test_smart_configuration_is_public(db):
    response = Client().get("/fhir/.well-known/smart-configuration")
    assert response.status_code == 200
    body = response.json()
    assert body["token_endpoint"] == "http://testserver/fhir/auth/token"
    assert body["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert set(body["token_endpoint_auth_signing_alg_values_supported"]) == {"RS384", "ES384"}
    assert body["grant_types_supported"] == ["client_credentials"]


# --- the door -----------------------------------------------------------------------

def test_no_token_or_a_bad_one_is_401_login(tenant):
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer not-a-token"},
                    {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"}):
        response = Client().get(probe(tenant.member.pk), **headers)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert response["Content-Type"].startswith("application/fhir+json")
        assert response.json()["issue"][0]["code"] == "login"


def test_an_expired_token_is_401(tenant, partner_token):
    token = partner_token(tenant.hub, "system/Patient.r")
    AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert fhir_get(Client(), probe(tenant.member.pk), token).status_code == 401


def test_a_scope_not_granted_is_403_naming_the_scope(tenant, partner_token):
    token = partner_token(tenant.hub, "system/Patient.s system/Task.r")
    response = fhir_get(Client(), probe(tenant.member.pk), token)
    assert response.status_code == 403
    issue = response.json()["issue"][0]
    assert issue["code"] == "forbidden"
    assert "system/Patient.r" in issue["diagnostics"]
    assert fhir_get(Client(), "/fhir/probe/Patient", token).status_code == 200
    assert fhir_post(Client(), "/fhir/probe/Task", token, {"resourceType": "Task"}).status_code == 403


def test_wildcards_and_v1_scopes_open_the_door(tenant, partner_token):
    for scopes in ("system/*.rs", "system/Patient.read", "system/*.*", "system/Patient.cruds"):
        token = partner_token(tenant.hub, scopes)
        assert fhir_get(Client(), probe(tenant.member.pk), token).status_code == 200, scopes


def test_the_view_acts_as_the_partner_organisation_in_its_role(tenant, partner_token):
    token = partner_token(tenant.hub, "system/Patient.r")
    response = fhir_get(Client(), probe(tenant.member.pk), token)
    assert response.status_code == 200
    tags = [t["code"] for t in response.json()["meta"]["tag"]]
    assert tags[:2] == [tenant.hub.slug, "hub_coordinator"]
    cbo_token = partner_token(tenant.cbo, "system/Patient.r", role="cbo_supervisor")
    tags = [t["code"] for t in fhir_get(Client(), "/fhir/probe/Patient/missing", cbo_token).json()
            .get("meta", {}).get("tag", [])]
    assert tags == []  # a 404 OperationOutcome, not the probe's answer


@pytest.mark.postgres
def test_row_level_security_is_in_force_for_the_partner(tenant, other_tenant, partner_token):
    token = partner_token(tenant.hub, "system/Patient.r")
    own = fhir_get(Client(), probe(tenant.member.pk), token)
    assert own.status_code == 200
    tags = [t["code"] for t in own.json()["meta"]["tag"]]
    assert tags[2] == str(tenant.hub.pk)
    # Another network's member: the row is not there for this tenant.
    other = fhir_get(Client(), probe(other_tenant.member.pk), token)
    assert other.status_code == 404
    assert other.json()["issue"][0]["code"] == "not-found"


def test_errors_are_operation_outcomes(tenant, partner_token):
    token = partner_token(tenant.hub, "system/Patient.r")
    missing = fhir_get(Client(), probe("missing"), token)
    assert missing.status_code == 404 and missing.json()["issue"][0]["code"] == "not-found"
    bad = fhir_get(Client(), probe("bad"), token)
    assert bad.status_code == 400
    assert bad.json()["issue"][0] == {"severity": "error", "code": "invalid",
                                      "diagnostics": "Patient.birthDate: not a date",
                                      "expression": ["Patient.birthDate"]}
    boom = fhir_get(Client(), probe("boom"), token)
    assert boom.status_code == 500 and boom.json()["issue"][0]["code"] == "exception"
    assert "unexpected" not in boom.content.decode()


def test_every_request_is_audited_with_the_client(tenant, partner_token):
    token = partner_token(tenant.hub, "system/Patient.r")
    partner = partner_token.partner[token]
    fhir_get(Client(), probe(tenant.member.pk), token)
    fhir_get(Client(), "/fhir/probe/Patient?name=ada", token)  # no scope: 403, audited too
    fhir_get(Client(), probe("missing"), token)
    with scopes_disabled():
        events = list(AuditEvent.objects.filter(object_type="fhir_Patient").order_by("seq"))
    assert [e.detail["status"] for e in events] == [200, 403, 404]
    read = events[0]
    assert read.action == "view"
    assert read.actor_id == partner.service_user_id
    assert read.organisation_id == tenant.hub.pk
    assert read.member_id == str(tenant.member.pk)
    assert read.detail["client_id"] == partner.client_id
    assert read.detail["partner_system"] == "Partner EHR"
    assert read.detail["interaction"] == "read"
    assert read.detail["member_ids"] == [tenant.member.pk]
    assert events[1].detail["query"] == "name=ada"


def test_public_endpoints_need_no_token(db):
    response = Client().get("/fhir/probe/metadata")
    assert response.status_code == 200
    assert response.json()["resourceType"] == "CapabilityStatement"


def test_the_service_user_cannot_sign_in(tenant):
    partner = register_partner(tenant.hub, "system/Task.rs")
    user = partner.service_user
    assert not user.has_usable_password()
    for password in ("", "!", user.password or "x"):
        response = Client().post(reverse("accounts:login"), {"username": user.username, "password": password})
        assert response.status_code == 200  # the form again, not a redirect into the site
    with scopes_disabled():
        assert not AuditEvent.objects.filter(action="login", actor=user).exists()


def test_registration_gives_the_role_of_the_organisation_kind(tenant):
    assert register_partner(tenant.hub).role == "hub_coordinator"
    assert register_partner(tenant.cbo).role == "cbo_worker"
    assert register_partner(tenant.payer).role == "payer_analyst"
    assert PartnerSystem.objects.count() == 3
