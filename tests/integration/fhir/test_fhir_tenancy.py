"""Another organisation gets 404 for every Task, ServiceRequest and Procedure through
FHIR and never finds them by search; a revoked data-sharing consent stops a member's
referral being shared through FHIR."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver
from django_scopes import scopes_disabled

from carehub.fhir import urls as fhir_urls
from carehub.referrals import services
from carehub.referrals.models import Consent, Referral, ServiceDelivery
from tests.integration.conftest import acting_as
from tests.integration.fhir import referral_world as world
from tests.integration.fhir.conftest import fhir_get, fhir_post, fhir_put
from tests.integration.referrals.conftest import walk_to

SCOPES = ("system/Task.cruds system/ServiceRequest.cruds system/Procedure.cruds "
          "system/Patient.cruds system/Organization.rs")


def made_by_fhir(t, token):  # type: ignore[no-untyped-def]
    response = fhir_post(Client(), "/fhir/", token, world.bundle(t))
    assert response.status_code == 200, response.content
    location = response.json()["entry"][-1]["response"]["location"]
    return location.split("/")[1], world.referral_of(location, t)


@pytest.fixture
def two_sets(tenant, other_tenant, partner_token):  # type: ignore[no-untyped-def]
    """Both networks with a referral that came by FHIR, worked to in service."""
    made = {}
    for t, code in ((tenant, "T-MEALS"), (other_tenant, "O-MEALS")):
        world.ready(t, code=code)
        hub = partner_token(t.hub, SCOPES)
        cbo = partner_token(t.cbo, SCOPES)
        source_id, referral = made_by_fhir(t, hub)
        referral = walk_to(referral, t, "in_service")
        with scopes_disabled():
            delivery = ServiceDelivery.objects.get(referral=referral)
        made[t.hub.pk] = {"hub": hub, "cbo": cbo, "source": source_id, "referral": referral,
                          "delivery": delivery, "tenant": t}
    return made[tenant.hub.pk], made[other_tenant.hub.pk]


def other_ids(other):  # type: ignore[no-untyped-def]
    r, d = other["referral"], other["delivery"]
    return {"Task": [f"referral-{r.pk}", other["source"]],
            "ServiceRequest": [f"referral-{r.pk}", "sr-1"],
            "Procedure": [f"service-{d.pk}"]}


def test_a_partner_of_one_network_gets_404_for_the_others_records(two_sets):
    own, other = two_sets
    client = Client()
    for token in (own["hub"], own["cbo"]):
        for kind, ids in other_ids(other).items():
            for logical_id in ids:
                response = fhir_get(client, f"/fhir/{kind}/{logical_id}", token)
                assert response.status_code == 404, (kind, logical_id, response.content)
                assert response.json()["resourceType"] == "OperationOutcome"
        # Search never lists them, whatever it is asked.
        r = other["referral"]
        for query in ("", f"?owner=Organization/{other['tenant'].cbo.pk}",
                      f"?patient=Patient/{r.member_id}", f"?_id=referral-{r.pk}",
                      f"?part-of=Task/{other['source']}", "?_include=Task:focus"):
            body = fhir_get(client, f"/fhir/Task{query}", token).json()
            ids = [e["resource"]["id"] for e in body.get("entry", [])]
            assert f"referral-{r.pk}" not in ids, query
        for kind in ("ServiceRequest", "Procedure"):
            body = fhir_get(client, f"/fhir/{kind}?patient=Patient/{r.member_id}", token).json()
            assert body.get("entry", []) == [], kind
    # Writes aimed at the other network: 404, nothing changes.
    r = other["referral"]
    put = fhir_put(client, f"/fhir/Task/referral-{r.pk}", own["cbo"],
                   {"resourceType": "Task", "id": f"referral-{r.pk}", "status": "completed"},
                   if_match=f'W/"{r.version}"')
    assert put.status_code == 404
    procedure = {"resourceType": "Procedure", "status": "completed",
                 "code": {"coding": [{"system": "http://snomed.info/sct", "code": "710925007"}]},
                 "subject": {"reference": f"Patient/{r.member_id}"},
                 "basedOn": [{"reference": f"ServiceRequest/referral-{r.pk}"}],
                 "performedDateTime": "2026-12-01"}
    assert fhir_post(client, "/fhir/Procedure", own["cbo"], procedure).status_code == 404
    with scopes_disabled():
        assert Referral.objects.get(pk=r.pk).version == r.version
        assert ServiceDelivery.objects.filter(referral=r).count() == 1


def _patterns(resolvers, prefix=""):  # type: ignore[no-untyped-def]
    for p in resolvers:
        if isinstance(p, URLResolver):
            yield from _patterns(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


# The service directory is read through FHIR as on the directory pages (its own
# visibility rules, tests/integration/fhir/test_resources.py), not as member data.
DIRECTORY = {"Organization", "Location", "HealthcareService"}


def test_every_fhir_url_walked_with_the_other_sets_ids(two_sets):
    """Each /fhir/ URL pattern with an id, filled with the other set's ids (and each with
    none, searched): never the other set's record."""
    own, other = two_sets
    client = Client()
    ids = other_ids(other)
    ids["Patient"] = [str(other["referral"].member_id)]
    walked = 0
    for raw in _patterns(fhir_urls.urlpatterns):
        route = raw.lstrip("^").rstrip("$")
        kind = route.split("/")[0]
        if kind in DIRECTORY:
            continue
        if "(?P<" in route or "<" in route:
            for logical_id in ids.get(kind, [str(other["referral"].member_id),
                                             str(other["tenant"].cbo.pk)]):
                url = "/fhir/" + re.sub(r"\(\?P<\w+>[^)]*\)|<[^>]+>", logical_id, route)
                response = fhir_get(client, url, own["hub"])
                assert response.status_code in (404, 405, 401, 403), (url, response.status_code)
                walked += 1
        elif kind in ids:
            body = fhir_get(client, f"/fhir/{kind}", own["hub"]).content.decode()
            for logical_id in ids[kind]:
                assert f'"{logical_id}"' not in body, (kind, logical_id)
            walked += 1
    assert walked >= 7


def test_a_revoked_consent_stops_sharing_through_fhir(tenant, partner_token):
    world.ready(tenant)
    hub = partner_token(tenant.hub, SCOPES)
    cbo = partner_token(tenant.cbo, SCOPES)
    client = Client()
    source_id, referral = made_by_fhir(tenant, hub)
    assert fhir_get(client, f"/fhir/Task/referral-{referral.pk}", cbo).status_code == 200
    with scopes_disabled():
        consent = Consent.objects.get(member=tenant.member)
        services.revoke_consent(consent, acting=acting_as(tenant.users["hub_coordinator"],
                                                          tenant.hub))
    for token, url in ((cbo, f"/fhir/Task/referral-{referral.pk}"),
                       (hub, f"/fhir/Task/{source_id}"),
                       (hub, f"/fhir/ServiceRequest/referral-{referral.pk}")):
        response = fhir_get(client, url, token)
        assert response.status_code == 404, url
    listed = fhir_get(client, f"/fhir/Task?owner=Organization/{tenant.cbo.pk}", cbo).json()
    assert listed.get("entry", []) == []
    # A new referral for the member is not taken by FHIR without consent.
    with scopes_disabled():
        services.transition(Referral.objects.get(pk=referral.pk), referral.version, "closed",
                            close_reason="other",
                            acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))
    refused = fhir_post(client, "/fhir/", hub, world.bundle(tenant))
    assert refused.status_code == 422
    assert "consent" in refused.json()["issue"][0]["diagnostics"]
    # The referral itself stays on the pages of those party to it.
    with scopes_disabled():
        assert Referral.objects.filter(pk=referral.pk).exists()
