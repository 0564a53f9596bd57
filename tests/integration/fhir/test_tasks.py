"""The referral workflow over FHIR: a source system's Task becomes the referral the pages
show, the CBO's system moves it with If-Match, the source's Task follows, and bad
requests get an OperationOutcome naming the element."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from carehub.core.referral_states import State
from carehub.fhir.models import ReferralLink
from carehub.referrals import services
from carehub.referrals.models import Referral, ServiceDelivery
from tests.integration.conftest import acting_as
from tests.integration.fhir import referral_world as world
from tests.integration.fhir.conftest import fhir_get, fhir_post, fhir_put

pytestmark = pytest.mark.django_db(transaction=False)

TASK_SCOPES = "system/Task.cruds system/ServiceRequest.cruds system/Procedure.cruds " \
              "system/Patient.cruds"


@pytest.fixture
def hub_token(tenant, partner_token):  # type: ignore[no-untyped-def]
    world.ready(tenant)
    return partner_token(tenant.hub, TASK_SCOPES)


@pytest.fixture
def cbo_token(tenant, partner_token, hub_token):  # type: ignore[no-untyped-def]
    return partner_token(tenant.cbo, TASK_SCOPES)


def send(client, token, tenant, **kwargs):  # type: ignore[no-untyped-def]
    response = fhir_post(client, "/fhir/", token, world.bundle(tenant, **kwargs))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"] == "transaction-response"
    task_entry = body["entry"][-1]
    return task_entry, world.referral_of(task_entry["response"]["location"], tenant)


def carehub_task(client, token, referral):  # type: ignore[no-untyped-def]
    response = fhir_get(client, f"/fhir/Task/referral-{referral.pk}", token)
    assert response.status_code == 200, response.content
    return response


def move(client, token, referral, status, *, version=None, **fields):  # type: ignore[no-untyped-def]
    current = carehub_task(client, token, referral)
    resource = world.with_status(current.json(), status, **fields)
    etag = current["ETag"] if version is None else f'W/"{version}"'
    return fhir_put(client, f"/fhir/Task/referral-{referral.pk}", token, resource,
                    if_match=etag)


def test_a_source_task_becomes_the_referral_the_pages_show(tenant, hub_token, cbo_token,
                                                           login_as):
    client = Client()
    entry, referral = send(client, hub_token, tenant)
    assert entry["response"]["status"].startswith("201")
    # Routed by the hub's rules: the CBO offering nutrition in the member's county.
    assert referral.organisation_id == tenant.cbo.pk
    assert referral.hub_id == tenant.hub.pk and referral.source == "fhir"
    assert referral.state == State.ASSIGNED.value and referral.service_code == "HDM"
    assert "routed" in referral.routing_reason or tenant.cbo.name in referral.routing_reason

    source_id = entry["response"]["location"].split("/")[1]
    source = fhir_get(client, f"/fhir/Task/{source_id}", hub_token).json()
    assert source["status"] == "requested"
    assert source["businessStatus"]["text"] == "assigned"
    assert source["identifier"][0]["system"] == "https://ehr.example.org/tasks"
    assert source["focus"]["reference"].startswith("ServiceRequest/")

    # The CBO's system finds carehub's Task by polling, part of the source's.
    found = fhir_get(client, f"/fhir/Task?owner=Organization/{tenant.cbo.pk}", cbo_token).json()
    assert [e["resource"]["id"] for e in found["entry"]] == [f"referral-{referral.pk}"]
    mine = found["entry"][0]["resource"]
    assert mine["partOf"] == [{"reference": f"Task/{source_id}"}]
    assert mine["owner"]["reference"] == f"Organization/{tenant.cbo.pk}"
    assert mine["intent"] == "order" and mine["code"]["coding"][0]["code"] == "fulfill"
    assert mine["focus"] == {"reference": f"ServiceRequest/referral-{referral.pk}"}
    request = fhir_get(client, f"/fhir/ServiceRequest/referral-{referral.pk}", cbo_token).json()
    assert request["basedOn"][0]["reference"] == source["focus"]["reference"]
    assert {"system": "http://snomed.info/sct", "code": "710925007",
            "display": "Provision of food"} in request["code"]["coding"]

    # The same referral on the CBO worker's page, in the same state.
    page = login_as(tenant.users["cbo_worker"], tenant.cbo).get(f"/referrals/{referral.pk}/")
    assert page.status_code == 200
    assert "Assigned" in page.content.decode()


def test_the_same_task_twice_makes_one_referral(tenant, hub_token):
    client = Client()
    first, referral = send(client, hub_token, tenant, identifier="same-1")
    again, same = send(client, hub_token, tenant, identifier="same-1")
    assert again["response"]["status"].startswith("200")
    assert same.pk == referral.pk
    with scopes_disabled():
        assert Referral.objects.filter(member=tenant.member).count() == 1
        assert ReferralLink.objects.count() == 1
    # Alone (contained ServiceRequest), twice: one referral, 201 then 200.
    with scopes_disabled():
        services.transition(Referral.objects.get(pk=referral.pk), referral.version, "closed",
                            close_reason="other",
                            acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))
    one = fhir_post(client, "/fhir/Task", hub_token,
                    world.contained_task(tenant, identifier="alone-1", task_id="alone"))
    two = fhir_post(client, "/fhir/Task", hub_token,
                    world.contained_task(tenant, identifier="alone-1", task_id="alone"))
    assert (one.status_code, two.status_code) == (201, 200), one.content
    assert one.json()["id"] == two.json()["id"] == "alone"
    assert one["Location"].endswith("/fhir/Task/alone/_history/1")
    with scopes_disabled():
        assert Referral.objects.filter(member=tenant.member).count() == 2


def test_the_cbo_works_the_task_and_the_source_sees_it_completed(tenant, hub_token,
                                                                 cbo_token, login_as):
    client = Client()
    entry, referral = send(client, hub_token, tenant)
    source_url = "/fhir/" + "/".join(entry["response"]["location"].split("/")[:2])
    # The state machine decides: accepting before outreach is refused, in words.
    early = move(client, cbo_token, referral, "accepted")
    assert early.status_code == 409
    issue = early.json()["issue"][0]
    assert "Cannot move from assigned to accepted" in issue["diagnostics"]
    # The worker's first attempt is recorded on the page (outreach is not a Task status).
    with scopes_disabled():
        fresh = Referral.objects.get(pk=referral.pk)
        services.record_attempt(fresh, fresh.version, channel="phone", outcome="reached",
                                acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))
    for code in ("contacted", "screened"):
        step = move(client, cbo_token, referral, "received",
                    businessStatus={"coding": [{"system": "urn:carehub:referral-state",
                                                "code": code}]})
        assert step.status_code == 200, step.content
    accepted = move(client, cbo_token, referral, "accepted")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted"
    assert fhir_get(client, source_url, hub_token).json()["status"] == "accepted"
    enrolled = move(client, cbo_token, referral, "in-progress")
    assert enrolled.json()["businessStatus"]["text"] == "enrolled"
    # The service delivered, as a Procedure based on carehub's ServiceRequest.
    procedure = {
        "resourceType": "Procedure", "id": "cbo-proc-1",
        "meta": {"profile": ["http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/"
                             "SDOHCC-Procedure"]},
        "status": "completed",
        "category": {"coding": [{"system": "http://snomed.info/sct", "code": "410606002",
                                 "display": "Social service procedure"}]},
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "710925007",
                             "display": "Provision of food"},
                            {"system": "urn:carehub:contract-service", "code": "HDM"}]},
        "subject": {"reference": f"Patient/{tenant.member.pk}"},
        "basedOn": [{"reference": f"ServiceRequest/referral-{referral.pk}"}],
        "performedDateTime": date.today().isoformat(),
    }
    made = fhir_post(client, "/fhir/Procedure", cbo_token, procedure)
    assert made.status_code == 201, made.content
    proc_id = made.json()["id"]
    with scopes_disabled():
        assert ServiceDelivery.objects.get(referral=referral).service_code == "HDM"
        assert Referral.objects.get(pk=referral.pk).state == State.IN_SERVICE.value
    done = move(client, cbo_token, referral, "completed")
    assert done.status_code == 200, done.content
    source = fhir_get(client, source_url, hub_token).json()
    assert source["status"] == "completed"
    assert source["output"] == [{"type": {"coding": [{
        "system": "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/"
                  "SDOHCC-CodeSystemTemporaryCodes",
        "code": "resulting-activity", "display": "Resulting Activity"}]},
        "valueReference": {"reference": f"Procedure/{proc_id}"}}]
    shown = fhir_get(client, f"/fhir/Procedure/{proc_id}", hub_token).json()
    assert shown["basedOn"] == [{"reference": f"ServiceRequest/referral-{referral.pk}"}]
    assert shown["code"] == procedure["code"]
    # The page shows the same state.
    page = login_as(tenant.users["cbo_worker"], tenant.cbo).get(f"/referrals/{referral.pk}/")
    assert "Completed" in page.content.decode()


def test_rejection_needs_a_reason_and_reaches_the_source(tenant, hub_token, cbo_token):
    client = Client()
    entry, referral = send(client, hub_token, tenant)
    source_url = "/fhir/" + "/".join(entry["response"]["location"].split("/")[:2])
    with scopes_disabled():
        fresh = Referral.objects.get(pk=referral.pk)
        services.record_attempt(fresh, fresh.version, channel="phone", outcome="reached",
                                acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))
    move(client, cbo_token, referral, "received",
         businessStatus={"coding": [{"system": "urn:carehub:referral-state",
                                     "code": "contacted"}]})
    bare = move(client, cbo_token, referral, "rejected")
    assert bare.status_code == 422
    assert bare.json()["issue"][0]["expression"] == ["Task.statusReason"]
    said = move(client, cbo_token, referral, "rejected",
                statusReason={"text": "has meals from family"})
    assert said.status_code == 200, said.content
    source = fhir_get(client, source_url, hub_token).json()
    assert source["status"] == "rejected"
    assert source["statusReason"] == {"text": "has meals from family"}
    with scopes_disabled():
        assert Referral.objects.get(pk=referral.pk).decline_reason == "has meals from family"


def test_cancel_names_a_close_reason(tenant, hub_token, cbo_token):
    client = Client()
    _, referral = send(client, hub_token, tenant)
    vague = move(client, cbo_token, referral, "cancelled", statusReason={"text": "because"})
    assert vague.status_code == 422
    assert "unreachable" in vague.json()["issue"][0]["diagnostics"]
    moved = move(client, cbo_token, referral, "cancelled", statusReason={"text": "Moved away"})
    assert moved.status_code == 200, moved.content
    assert moved.json()["statusReason"]["coding"][0]["code"] == "moved"
    with scopes_disabled():
        assert Referral.objects.get(pk=referral.pk).close_reason == "moved"


def test_updates_need_the_version_read(tenant, hub_token, cbo_token):
    client = Client()
    _, referral = send(client, hub_token, tenant)
    current = carehub_task(client, cbo_token, referral)
    assert current["ETag"] == f'W/"{referral.version}"'
    body = world.with_status(current.json(), "cancelled", statusReason={"text": "other"})
    url = f"/fhir/Task/referral-{referral.pk}"
    missing = fhir_put(client, url, cbo_token, body)
    assert missing.status_code == 428
    assert missing.json()["resourceType"] == "OperationOutcome"
    stale = fhir_put(client, url, cbo_token, body, if_match=f'W/"{referral.version + 5}"')
    assert stale.status_code == 412
    assert stale.json()["issue"][0]["expression"] == ["Task.meta.versionId"]
    with scopes_disabled():
        assert Referral.objects.get(pk=referral.pk).state == State.ASSIGNED.value
    ok = fhir_put(client, url, cbo_token, body, if_match=current["ETag"])
    assert ok.status_code == 200, ok.content
    assert ok["ETag"] == f'W/"{referral.version + 1}"'
    # The hub may read the CBO's Task but the work (and its status) is the CBO's.
    hub_put = fhir_put(client, url, hub_token, body, if_match=ok["ETag"])
    assert hub_put.status_code == 403


def test_bad_requests_name_the_element(tenant, hub_token):
    client = Client()
    # Someone the hub does not work with.
    stranger = world.bundle(tenant)
    stranger["entry"][0]["resource"]["identifier"][0]["value"] = "NOBODY-1"
    response = fhir_post(client, "/fhir/", hub_token, stranger)
    assert response.status_code == 422
    issue = response.json()["issue"][0]
    assert issue["expression"] == ["Bundle.entry[2].resource.for"]
    assert "NOBODY-1" in issue["diagnostics"]
    # No ServiceRequest with the Task.
    alone = world.task(tenant, focus="ServiceRequest/absent")
    response = fhir_post(client, "/fhir/Task", hub_token, alone)
    assert response.status_code == 422
    assert response.json()["issue"][0]["expression"] == ["Task.focus"]
    # A code that fits two of the contract's services (HDM and NUTR are both nutrition).
    vague = world.bundle(tenant)
    vague["entry"][1]["resource"]["code"]["coding"].pop()
    response = fhir_post(client, "/fhir/", hub_token, vague)
    assert response.status_code == 422
    assert response.json()["issue"][0]["expression"] == ["Bundle.entry[1].resource.code"]
    assert "T-MEALS HDM, T-MEALS NUTR" in response.json()["issue"][0]["diagnostics"]
    # Not a Task at all, and not JSON.
    response = fhir_post(client, "/fhir/Task", hub_token, {"resourceType": "Patient"})
    assert response.status_code == 400
    response = fhir_post(client, "/fhir/Task", hub_token, "{not json")
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"
    # A Task the validator refuses (no status): 400 naming the element; nothing saved.
    broken = world.contained_task(tenant)
    broken.pop("status")
    response = fhir_post(client, "/fhir/Task", hub_token, broken)
    assert response.status_code == 400
    assert any("status" in e for i in response.json()["issue"] for e in i.get("expression", []))
    with scopes_disabled():
        assert not Referral.objects.exists()
        assert not ReferralLink.objects.exists()


def test_a_transaction_saves_all_or_nothing(tenant, hub_token):
    client = Client()
    payload = world.bundle(tenant)
    payload["entry"].append({"fullUrl": "urn:uuid:broken", "request": {"method": "POST",
                                                                        "url": "Task"},
                             "resource": world.task(tenant, focus="ServiceRequest/nowhere")})
    response = fhir_post(client, "/fhir/", hub_token, payload)
    assert response.status_code == 422
    with scopes_disabled():
        assert not Referral.objects.exists()
