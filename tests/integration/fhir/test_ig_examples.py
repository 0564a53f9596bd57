"""The SDOH Clinical Care guide's 58 example instances are accepted by carehub's FHIR
API and come back with their coded content intact; every resource carehub emits for a
worked referral validates against the guide's profiles and base R4."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from carehub.fhir.selectors import tasks as task_selectors
from carehub.fhir.validation import validate
from carehub.referrals.models import Referral, ServiceDelivery
from tests.integration.fhir import referral_world as world
from tests.integration.fhir.conftest import fhir_get, fhir_post
from tests.integration.referrals.conftest import walk_to

EXAMPLES = Path("/work/shared/fixtures/sdoh-clinicalcare/examples")
# Referenced before referencing: who and where, then what was found, then what was asked
# and done.
ORDER = ["Organization", "Patient", "RelatedPerson", "Practitioner", "PractitionerRole",
         "Device", "Location", "HealthcareService", "Questionnaire", "QuestionnaireResponse",
         "Observation", "Condition", "Goal", "Consent", "Group", "DocumentReference",
         "ServiceRequest", "Procedure", "Task"]

pytestmark = pytest.mark.skipif(not EXAMPLES.is_dir(), reason="the guide's examples are absent")


def examples() -> list[dict[str, Any]]:
    found = [json.loads(p.read_text()) for p in sorted(EXAMPLES.glob("*.json"))]
    return sorted(found, key=lambda r: (ORDER.index(r["resourceType"])
                                        if r["resourceType"] in ORDER else len(ORDER), r["id"]))


def codings(value: Any) -> set[tuple[str, str]]:
    """Every (system, code) in the resource, at any depth."""
    out: set[tuple[str, str]] = set()
    if isinstance(value, dict):
        if isinstance(value.get("code"), str) and isinstance(value.get("system"), str):
            out.add((value["system"], value["code"]))
        for item in value.values():
            out |= codings(item)
    elif isinstance(value, list):
        for item in value:
            out |= codings(item)
    return out


def identifiers(value: Any) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    if isinstance(value, dict):
        given = value.get("identifier")
        for ident in given if isinstance(given, list) else [given]:
            if isinstance(ident, dict) and ident.get("value"):
                out.add((ident.get("system", ""), ident["value"]))
        for key, item in value.items():
            if key != "identifier":
                out |= identifiers(item)
    elif isinstance(value, list):
        for item in value:
            out |= identifiers(item)
    return out


def test_the_58_examples_import_and_round_trip(tenant, partner_token):
    token = partner_token(tenant.hub, "system/*.cruds")
    client = Client()
    resources = examples()
    assert len(resources) == 58
    for resource in resources:
        kind = resource["resourceType"]
        response = fhir_post(client, f"/fhir/{kind}", token, resource)
        assert response.status_code in (200, 201), (resource["id"], response.content[:600])
        location = response.get("Location", "")
        stored_id = response.json().get("id") or location.split(f"/{kind}/")[1].split("/")[0]
        back = fhir_get(client, f"/fhir/{kind}/{stored_id}", token)
        assert back.status_code == 200, (resource["id"], back.content[:300])
        got = back.json()
        missing_codes = codings(resource) - codings(got)
        assert not missing_codes, (resource["id"], sorted(missing_codes))
        missing_ids = identifiers(resource) - identifiers(got)
        assert not missing_ids, (resource["id"], sorted(missing_ids))


def test_what_carehub_emits_for_a_worked_referral_validates(tenant, partner_token):
    world.ready(tenant)
    token = partner_token(tenant.hub, "system/*.cruds")
    client = Client()
    response = fhir_post(client, "/fhir/", token, world.bundle(tenant))
    assert response.status_code == 200, response.content
    location = response.json()["entry"][-1]["response"]["location"]
    referral = world.referral_of(location, tenant)
    walk_to(referral, tenant, "completed")
    emitted: list[dict[str, Any]] = []
    with scopes_disabled():
        referral = Referral.objects.get(pk=referral.pk)
        delivery = ServiceDelivery.objects.get(referral=referral)
    for url in (f"/fhir/Task/referral-{referral.pk}", f"/fhir/{location.rsplit('/_history', 1)[0]}",
                f"/fhir/ServiceRequest/referral-{referral.pk}", f"/fhir/Procedure/service-{delivery.pk}"):
        got = fhir_get(client, url, token)
        assert got.status_code == 200, (url, got.content[:300])
        emitted.append(got.json())
    # And the mapping of every state of the loop, not only the one reached here.
    with scopes_disabled():
        loaded = task_selectors.load([referral])
        for state, reason in (("assigned", ""), ("declined", "no"), ("closed", "moved"),
                              ("in_service", "")):
            referral.state, referral.decline_reason, referral.close_reason = state, reason, reason
            emitted.append(task_selectors.task_resource(referral, loaded))
            emitted.append(task_selectors.service_request_resource(referral, loaded))
    for resource in emitted:
        problems = validate(resource)
        assert problems == [], (resource["resourceType"], resource["id"],
                                [f"{p.path}: {p.message}" for p in problems])
    assert emitted[0]["status"] == "completed"
    assert emitted[0]["output"][0]["valueReference"] == {
        "reference": f"Procedure/service-{delivery.pk}"}
