"""Registering partner systems: the service's checks of keys and scopes, a JWKS URL,
the hub administrator's pages and the command line."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django_scopes import scopes_disabled
from jwcrypto import jwk
from oauth2_provider.models import AccessToken

from carehub.audit.models import AuditEvent
from carehub.fhir.models import PartnerSystem
from carehub.fhir.services import clients
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Membership
from tests.integration.conftest import acting_as
from tests.integration.fhir.conftest import (
    fhir_get,
    make_assertion,
    public_jwks,
    register_partner,
    request_token,
    rsa_key,
)

pytestmark = pytest.mark.django_db


def register(org, **fields):  # type: ignore[no-untyped-def]
    fields.setdefault("name", "EHR")
    fields.setdefault("scopes", "system/Task.rs")
    with scopes_disabled():
        return clients.register(org, acting=Acting.system(), **fields)


# --- the service -----------------------------------------------------------------------

def test_a_private_key_is_refused_naming_the_field(tenant):
    private = json.loads(rsa_key().export_private())
    with pytest.raises(ValidationError) as caught:
        register(tenant.hub, jwks={"keys": [private]})
    assert "private" in caught.value.message_dict["jwks"][0]
    assert "key 1 (kid test-rsa-1)" in caught.value.message_dict["jwks"][0]
    assert not PartnerSystem.objects.exists()


@pytest.mark.parametrize("key, says", [
    (lambda: jwk.JWK.generate(kty="RSA", size=1024), "1024 bits"),
    (lambda: jwk.JWK.generate(kty="EC", crv="P-256"), "P-256"),
    (lambda: jwk.JWK.generate(kty="OKP", crv="Ed25519"), "kty 'OKP'"),
])
def test_weak_or_unsuitable_keys_are_refused(tenant, key, says):
    with pytest.raises(ValidationError) as caught:
        register(tenant.hub, jwks={"keys": [json.loads(key().export_public())]})
    assert says in caught.value.message_dict["jwks"][0]


def test_not_a_jwks_and_unknown_scopes_are_refused(tenant):
    with pytest.raises(ValidationError) as caught:
        register(tenant.hub, jwks={"kid": "x"})
    assert "JWK Set" in caught.value.message_dict["jwks"][0]
    with pytest.raises(ValidationError) as caught:
        register(tenant.hub, jwks=public_jwks(), scopes="system/Task.rs patient/*.read")
    assert "patient/*.read" in caught.value.message_dict["scopes"][0]
    with pytest.raises(ValidationError) as caught:
        register(tenant.hub, jwks=public_jwks(), role="hub_admin", scopes="system/Task.r")
    assert "role" in caught.value.message_dict
    with pytest.raises(ValidationError):
        register(tenant.cbo, jwks=public_jwks(), role="hub_coordinator")


def test_an_ec_p384_key_signs_es384(tenant):
    key = jwk.JWK.generate(kty="EC", crv="P-384", kid="ec-1")
    partner = register(tenant.hub, jwks=public_jwks(key))
    response = request_token(Client(), partner.client_id, "system/Task.rs",
                             assertion=make_assertion(partner.client_id, key, alg="ES384"))
    assert response.status_code == 200, response.content
    wrong_alg = request_token(Client(), partner.client_id, "system/Task.rs",
                              assertion=make_assertion(partner.client_id, key, alg="ES256"))
    assert wrong_alg.status_code == 401


def test_only_a_hub_admin_of_the_network_may_register(tenant, other_tenant):
    from django.core.exceptions import PermissionDenied

    with scopes_disabled():
        clients.register(tenant.cbo, name="Pantry app", scopes="system/Task.rs", jwks=public_jwks(),
                         acting=acting_as(tenant.users["hub_admin"], tenant.hub))
        for user, org in ((other_tenant.users["hub_admin"], other_tenant.hub),
                          (tenant.users["hub_coordinator"], tenant.hub),
                          (tenant.users["cbo_supervisor"], tenant.cbo)):
            with pytest.raises(PermissionDenied):
                clients.register(tenant.cbo, name="x", scopes="system/Task.rs", jwks=public_jwks(),
                                 acting=acting_as(user, org))
    assert PartnerSystem.objects.count() == 1


def test_rotating_keys_takes_the_new_key_only(tenant):
    partner = register(tenant.hub, jwks=public_jwks())
    new_key = jwk.JWK.generate(kty="RSA", size=2048, kid="rotated")
    with scopes_disabled():
        clients.rotate_keys(partner, jwks=public_jwks(new_key), acting=Acting.system())
    old = request_token(Client(), partner.client_id, "system/Task.rs")
    assert old.status_code == 401
    new = request_token(Client(), partner.client_id, "system/Task.rs",
                        assertion=make_assertion(partner.client_id, new_key))
    assert new.status_code == 200


@pytest.fixture
def jwks_server() -> Iterator[dict]:
    """A JWKS published on loopback by a real HTTP server; `hits` counts its GETs."""
    state: dict = {"body": json.dumps(public_jwks()).encode(), "hits": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            state["hits"] += 1
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(state["body"])

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    clients._jwks_cache.clear()
    yield state
    server.shutdown()
    server.server_close()
    clients._jwks_cache.clear()


def test_keys_at_a_jwks_url_are_fetched_and_cached(tenant, jwks_server):
    partner = register(tenant.hub, jwks_url=jwks_server["url"])
    for _ in range(2):
        response = request_token(Client(), partner.client_id, "system/Task.rs")
        assert response.status_code == 200, response.content
    assert jwks_server["hits"] == 1


def test_a_jwks_url_must_be_https_off_loopback_and_small(tenant, jwks_server):
    with pytest.raises(ValidationError) as caught:
        register(tenant.hub, jwks_url="http://keys.example.org/jwks.json")
    assert "https" in caught.value.message_dict["jwks_url"][0]
    jwks_server["body"] = b" " * (70 * 1024)
    partner = register(tenant.hub, jwks_url=jwks_server["url"])
    response = request_token(Client(), partner.client_id, "system/Task.rs")
    assert response.status_code == 401
    assert "keys could not be loaded" in response.json()["error_description"]


# --- pages ------------------------------------------------------------------------------

def scope_boxes(*values: str) -> list[str]:
    return list(values)


def test_a_hub_admin_registers_a_system_for_a_network_cbo(tenant, login_as):
    client = login_as(tenant.users["hub_admin"])
    assert client.get("/fhir/partners/").status_code == 200
    form = client.get("/fhir/partners/new/")
    assert form.status_code == 200
    assert b'value="Task.r"' in form.content
    response = client.post("/fhir/partners/new/", {
        "organisation": tenant.cbo.pk, "name": "Pantry app", "role": "",
        "scope": ["Task.r", "Task.s", "Task.u", "Patient.r"],
        "jwks": json.dumps(public_jwks())})
    assert response.status_code == 302, response.content.decode()[:2000]
    partner = PartnerSystem.objects.get()
    assert partner.organisation == tenant.cbo
    assert partner.scopes == "system/Patient.r system/Task.rus"
    assert partner.role == "cbo_worker"
    detail = client.get(response["Location"])
    assert partner.client_id in detail.content.decode()
    assert "http://testserver/fhir/auth/token" in detail.content.decode()
    assert "Pantry app" in client.get("/fhir/partners/").content.decode()
    token = request_token(Client(), partner.client_id, "system/Task.rs")
    assert token.status_code == 200
    with scopes_disabled():
        assert AuditEvent.objects.filter(object_type="fhir_partner_system", action="create",
                                         actor=tenant.users["hub_admin"]).exists()


def test_a_bad_key_is_shown_on_the_form(tenant, login_as):
    client = login_as(tenant.users["hub_admin"])
    response = client.post("/fhir/partners/new/", {
        "organisation": tenant.hub.pk, "name": "EHR", "scope": ["Task.r"],
        "jwks": rsa_key().export_private()})
    assert response.status_code == 400
    assert "private" in response.content.decode()
    assert not PartnerSystem.objects.exists()


def test_revoking_from_the_page_stops_its_tokens(tenant, login_as, partner_token):
    token = partner_token(tenant.cbo, "system/Task.rs")
    partner = partner_token.partner[token]
    client = login_as(tenant.users["hub_admin"])
    response = client.post(f"/fhir/partners/{partner.pk}/revoke/")
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.revoked_at is not None
    assert not AccessToken.objects.filter(application_id=partner.application_id).exists()
    assert not Membership.objects.get(pk=partner.membership_id).is_active


def test_another_organisation_gets_404(tenant, other_tenant, login_as):
    partner = register_partner(tenant.cbo, "system/Task.rs")
    for user in (other_tenant.users["hub_admin"], tenant.users["hub_coordinator"],
                 tenant.users["cbo_supervisor"]):
        client = login_as(user)
        for url in (f"/fhir/partners/{partner.pk}/",):
            assert client.get(url).status_code == 404, user
        for url in (f"/fhir/partners/{partner.pk}/revoke/", f"/fhir/partners/{partner.pk}/keys/"):
            assert client.post(url, {"jwks": json.dumps(public_jwks())}).status_code == 404, user
    other_admin = login_as(other_tenant.users["hub_admin"])
    assert partner.name not in other_admin.get("/fhir/partners/").content.decode()
    refused = other_admin.post("/fhir/partners/new/", {
        "organisation": tenant.cbo.pk, "name": "walked", "scope": ["Task.r"],
        "jwks": json.dumps(public_jwks())})
    assert refused.status_code == 400
    assert PartnerSystem.objects.count() == 1
    partner.refresh_from_db()
    assert partner.revoked_at is None


# --- the command line -------------------------------------------------------------------

def test_cli_adds_lists_and_revokes(tenant, tmp_path, capsys):
    keys = tmp_path / "jwks.json"
    keys.write_text(json.dumps(public_jwks()))
    call_command("fhir", "client", "add", "--org", tenant.cbo.slug, "--name", "Pantry app",
                 "--jwks", str(keys), "--scopes", "system/Task.rs system/Patient.r")
    out = capsys.readouterr().out
    partner = PartnerSystem.objects.get()
    assert f"client_id: {partner.client_id}" in out
    assert "token URL: http://127.0.0.1:8000/fhir/auth/token" in out
    assert partner.role == "cbo_worker"
    call_command("fhir", "client", "list")
    listed = capsys.readouterr().out
    assert partner.client_id in listed and "active" in listed
    call_command("fhir", "client", "revoke", partner.client_id)
    partner.refresh_from_db()
    assert partner.revoked_at is not None


def test_cli_errors_name_the_option(tenant, tmp_path, capsys):
    keys = tmp_path / "jwks.json"
    keys.write_text(rsa_key().export_private())
    for org, says in (("no-such-org", "--org no-such-org: no organisation has this slug"),
                      (tenant.cbo.slug, "--jwks: jwks: key 1 (kid test-rsa-1) is a private")):
        with pytest.raises(SystemExit) as exited:
            call_command("fhir", "client", "add", "--org", org, "--name", "x", "--jwks", str(keys),
                         "--scopes", "system/Task.rs")
        assert exited.value.code == 2
        assert says in capsys.readouterr().err
    assert not PartnerSystem.objects.exists()


def test_a_partner_system_is_nobodys_colleague(tenant, partner_token) -> None:  # type: ignore[no-untyped-def]
    """Its machine user cannot be given referrals, is not told of work and does not staff
    the CBO; its token still works."""
    from carehub.referrals.selectors import team_workers

    token = partner_token(tenant.cbo, "system/Task.rs")
    partner = partner_token.partner[token]
    with scopes_disabled():
        workers = set(team_workers(tenant.cbo).values_list("pk", flat=True))
        assert partner.service_user_id not in workers
        assert tenant.users["cbo_worker"].pk in workers
        assert not partner.service_user.is_active
    assert fhir_get(Client(), "/fhir/Task", token).status_code == 200
