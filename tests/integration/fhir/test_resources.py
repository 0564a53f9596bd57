"""The FHIR API's non-Task types over HTTP with partner tokens: carehub's records as
SDOHCC resources, the IG's examples in and out, search paging, tenancy and consent."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.fhir.models import ReceivedResource
from carehub.fhir.validation import errors
from carehub.members.models import MemberAccess
from carehub.network.models import Location, Service, ServiceAtLocation, ServiceType
from carehub.referrals.models import Consent, Need, Screening
from carehub.referrals.services.consent import revoke_consent
from tests.integration.conftest import acting_as
from tests.integration.fhir.conftest import fhir_get, fhir_post

pytestmark = pytest.mark.django_db

EXAMPLES = Path("/work/shared/fixtures/sdoh-clinicalcare/examples")
needs_fixtures = pytest.mark.skipif(not EXAMPLES.is_dir(), reason="IG fixtures not present")
TASK_TYPES = ("Task-", "ServiceRequest-", "Procedure-")


def make_records(tenant: Any) -> dict[str, Any]:
    """A screening and a need recorded by the hub, the member's data-sharing consent
    (recorded by the hub), the member referred to the CBO, and the CBO's directory."""
    now = timezone.now()
    with scopes_disabled():
        MemberAccess.objects.create(member=tenant.member, organisation=tenant.cbo,
                                    reason="referral")
        screening = Screening.objects.create(
            member=tenant.member, organisation=tenant.hub, instrument="ahc-hrsn",
            answers={"88122-7": "LA28397-0", "88123-5": "LA28398-8"},
            positive_domains=["food"], at=now)
        need = Need.objects.create(member=tenant.member, organisation=tenant.hub,
                                   screening=screening, domain="food", icd10="Z59.41",
                                   icd10_display="Food insecurity", goal="Food security", at=now)
        consent = Consent.objects.create(member=tenant.member, organisation=tenant.hub,
                                         kind="data_sharing", scope="Share with the network",
                                         given_on=date.today() - timedelta(days=3))
        food, _ = ServiceType.objects.get_or_create(slug="food-fhir", defaults={"name": "Food"})
        site = Location.objects.create(organisation=tenant.cbo, name="Pantry site",
                                       address_1="1 Main St", city="Buffalo",
                                       state_province="NY", postal_code="14201",
                                       phone="(716) 555-0100")
        service = Service.objects.create(organisation=tenant.cbo, service_type=food,
                                         name="Food pantry", languages=["English"])
        ServiceAtLocation.objects.create(service=service, location=site)
    return {"screening": screening, "need": need, "consent": consent, "location": site,
            "service": service}


def get(token: str, url: str) -> Any:
    return fhir_get(Client(), url, token)


def walk(token: str, url: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every page of a search: (bundles, match entries)."""
    bundles, entries = [], []
    while url:
        response = get(token, url)
        assert response.status_code == 200, response.content
        bundle = response.json()
        bundles.append(bundle)
        entries += [e for e in bundle.get("entry", []) if e["search"]["mode"] == "match"]
        nxt = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
        if nxt:
            parts = urlsplit(nxt[0])
            url = f"{parts.path}?{parts.query}"
        else:
            url = ""
    return bundles, entries


def codings(value: Any) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    if isinstance(value, dict):
        if "code" in value and "system" in value and isinstance(value["code"], str):
            found.add((value["system"], value["code"]))
        for key, item in value.items():
            if key != "text":
                found |= codings(item)
    elif isinstance(value, list):
        for item in value:
            found |= codings(item)
    return found


def test_every_carehub_record_is_served_as_a_valid_resource(tenant, partner_token):
    records = make_records(tenant)
    token = partner_token(tenant.hub)
    screening_id = records["screening"].pk
    urls = [f"/fhir/Patient/{tenant.member.pk}", f"/fhir/Organization/{tenant.payer.pk}",
            f"/fhir/Organization/{tenant.hub.pk}", f"/fhir/Location/{records['location'].pk}",
            f"/fhir/HealthcareService/{records['service'].pk}",
            f"/fhir/Consent/{records['consent'].pk}", f"/fhir/Condition/{records['need'].pk}",
            f"/fhir/Goal/{records['need'].pk}", f"/fhir/QuestionnaireResponse/{screening_id}",
            f"/fhir/Observation/{screening_id}-88122-7",
            f"/fhir/Observation/{screening_id}-88123-5"]
    for url in urls:
        response = get(token, url)
        assert response.status_code == 200, (url, response.content)
        assert response["Content-Type"].startswith("application/fhir+json")
        resource = response.json()
        assert errors(resource) == [], (url, errors(resource))
    condition = get(token, f"/fhir/Condition/{records['need'].pk}").json()
    assert ("http://hl7.org/fhir/sid/icd-10-cm", "Z59.41") in codings(condition)
    assert condition["meta"]["profile"] == [
        "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-Condition"]
    observation = get(token, f"/fhir/Observation/{screening_id}-88122-7").json()
    assert observation["valueCodeableConcept"]["coding"][0]["code"] == "LA28397-0"
    assert observation["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{screening_id}"}]
    patient = get(token, f"/fhir/Patient/{tenant.member.pk}").json()
    assert patient["identifier"][0]["value"] == tenant.member.member_id
    assert patient["identifier"][0]["assigner"]["reference"] == f"Organization/{tenant.payer.pk}"
    with scopes_disabled():
        event = AuditEvent.objects.filter(object_type="fhir_Patient").latest("pk")
    assert event.detail["member_ids"] == [tenant.member.pk]
    assert event.detail["client_id"]


@needs_fixtures
def test_the_igs_examples_post_and_come_back_with_their_codes(tenant, partner_token):
    token = partner_token(tenant.hub)
    names = sorted(p.name for p in EXAMPLES.glob("*.json") if not p.name.startswith(TASK_TYPES))
    assert len(names) == 44  # 58 less the 14 Task, ServiceRequest and Procedure examples
    for name in names:
        sent = json.loads((EXAMPLES / name).read_text())
        rtype = sent["resourceType"]
        response = fhir_post(Client(), f"/fhir/{rtype}", token, sent)
        assert response.status_code == 201, (name, response.content)
        stored = response.json()
        assert response["Location"].endswith(f"/fhir/{rtype}/{stored['id']}/_history/1")
        back = get(token, f"/fhir/{rtype}/{stored['id']}")
        assert back.status_code == 200, (name, back.content)
        resource = back.json()
        assert codings(resource) == codings(sent), name
        assert resource["meta"]["source"].endswith(f"#{sent['id']}")
        assert {k: v for k, v in resource.items() if k not in ("id", "meta")} == \
            {k: v for k, v in sent.items() if k not in ("id", "meta")}
    with scopes_disabled():
        assert ReceivedResource.objects.filter(organisation=tenant.hub).count() == 44


def test_a_resource_that_fails_validation_is_refused_whole(tenant, partner_token):
    token = partner_token(tenant.hub)
    condition = {"resourceType": "Condition", "meta": {"profile": [
        "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-Condition"]},
        "subject": {"reference": f"Patient/{tenant.member.pk}"}}
    response = fhir_post(Client(), "/fhir/Condition", token, condition)
    assert response.status_code == 422
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert ["Condition.code"] in [i.get("expression") for i in outcome["issue"]]
    assert fhir_post(Client(), "/fhir/Condition", token, "{nope").status_code == 400
    assert fhir_post(Client(), "/fhir/Goal", token, {"resourceType": "Condition"}).status_code == 400
    with scopes_disabled():
        assert not ReceivedResource.objects.exists()


def test_search_pages_walk_every_match_once(tenant, partner_token):
    records = make_records(tenant)
    now = timezone.now()
    with scopes_disabled():
        for i in range(6):
            Need.objects.create(member=tenant.member, organisation=tenant.hub, domain="housing",
                                icd10="Z59.10", icd10_display="Inadequate housing",
                                goal="Safe and stable housing", at=now - timedelta(hours=i))
    token = partner_token(tenant.hub)
    received_ids = []
    for _i in range(3):
        sent = {"resourceType": "Condition", "category": [{"text": "x"}],
                "code": {"text": "Housing"}, "subject": {"reference": f"Patient/{tenant.member.pk}"}}
        response = fhir_post(Client(), "/fhir/Condition", token, sent)
        assert response.status_code == 201, response.content
        received_ids.append(response.json()["id"])
    bundles, entries = walk(token, f"/fhir/Condition?patient={tenant.member.pk}&_count=3")
    ids = [e["resource"]["id"] for e in entries]
    assert len(bundles) == 4
    assert all(b["total"] == 10 for b in bundles)
    assert len(ids) == len(set(ids)) == 10
    assert set(received_ids) <= set(ids)
    assert str(records["need"].pk) in ids
    assert all(e["fullUrl"].endswith(f"/fhir/Condition/{e['resource']['id']}") for e in entries)
    # _lastUpdated with a prefix: nothing changed after now, everything after last year.
    later = (timezone.now() + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert walk(token, f"/fhir/Condition?_lastUpdated=gt{later}")[1] == []
    assert len(walk(token, f"/fhir/Condition?_lastUpdated=ge{date.today().year - 1}")[1]) == 10
    # token search, and _include of the patient
    bundle = get(token, "/fhir/Condition?code=http://hl7.org/fhir/sid/icd-10-cm|Z59.41"
                        "&_include=Condition:patient").json()
    modes = [(e["resource"]["resourceType"], e["search"]["mode"]) for e in bundle["entry"]]
    assert modes == [("Condition", "match"), ("Patient", "include")]


def test_a_search_with_an_unknown_parameter_is_refused_naming_it(tenant, partner_token):
    token = partner_token(tenant.hub)
    response = get(token, "/fhir/Condition?colour=blue")
    assert response.status_code == 400
    issue = response.json()["issue"][0]
    assert issue["expression"] == ["colour"] and "colour" in issue["diagnostics"]
    assert get(token, "/fhir/Condition?_lastUpdated=gtyesterday").status_code == 400
    assert get(token, "/fhir/Condition?_cursor=forged").status_code == 400
    assert get(token, "/fhir/Condition?_include=Condition:nothing").status_code == 400


def test_another_organisation_gets_404(tenant, other_tenant, partner_token):
    records = make_records(tenant)
    own = partner_token(tenant.hub)
    sent = {"resourceType": "Goal", "lifecycleStatus": "active", "description": {"text": "x"},
            "subject": {"reference": f"Patient/{tenant.member.pk}"}}
    created = fhir_post(Client(), "/fhir/Goal", own, sent)
    assert created.status_code == 201, created.content
    stranger = partner_token(other_tenant.hub)
    for url in (f"/fhir/Patient/{tenant.member.pk}", f"/fhir/Condition/{records['need'].pk}",
                f"/fhir/Consent/{records['consent'].pk}",
                f"/fhir/Goal/{created.json()['id']}",
                f"/fhir/QuestionnaireResponse/{records['screening'].pk}"):
        response = get(stranger, url)
        assert response.status_code == 404, url
        assert response.json()["resourceType"] == "OperationOutcome"
    assert "entry" not in get(stranger, f"/fhir/Patient?_id={tenant.member.pk}").json()
    assert "entry" not in get(stranger, "/fhir/Goal").json()
    # and a stranger cannot file a resource about a member it does not see
    refused = fhir_post(Client(), "/fhir/Goal", stranger, sent)
    assert refused.status_code == 422


def test_a_revoked_consent_stops_sharing_through_fhir(tenant, partner_token):
    records = make_records(tenant)
    cbo = partner_token(tenant.cbo)
    condition_url = f"/fhir/Condition/{records['need'].pk}"
    observation_url = f"/fhir/Observation/{records['screening'].pk}-88122-7"
    assert get(cbo, condition_url).status_code == 200
    assert get(cbo, observation_url).status_code == 200
    assert len(walk(cbo, f"/fhir/Condition?patient={tenant.member.pk}")[1]) == 1
    with scopes_disabled():
        revoke_consent(records["consent"], acting=acting_as(tenant.users["hub_admin"]))
    assert get(cbo, condition_url).status_code == 404
    assert get(cbo, observation_url).status_code == 404
    assert walk(cbo, f"/fhir/Condition?patient={tenant.member.pk}")[1] == []
    consent = get(cbo, f"/fhir/Consent/{records['consent'].pk}").json()
    assert consent["status"] == "inactive"
    # the hub recorded the need: it still sees it
    assert get(partner_token(tenant.hub), condition_url).status_code == 200


def test_the_capability_statement_is_public_and_valid_r4():
    response = Client().get("/fhir/metadata")
    assert response.status_code == 200
    statement = response.json()
    assert errors(statement) == []
    types = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert {"Patient", "Condition", "Consent", "Observation", "HealthcareService"} <= set(types)
    assert "Condition:patient" in types["Condition"]["searchInclude"]
    assert {"_lastUpdated", "patient", "code"} <= {p["name"] for p in types["Condition"]["searchParam"]}
    assert statement["rest"][0]["security"]["service"][0]["coding"][0]["code"] == "SMART-on-FHIR"


def test_unknown_ids_are_404(tenant, partner_token):
    token = partner_token(tenant.hub)
    for url in ("/fhir/Patient/999999", f"/fhir/Location/{uuid.uuid4()}", "/fhir/Observation/x-1",
                "/fhir/Device/nothing"):
        assert get(token, url).status_code == 404, url


@needs_fixtures
def test_the_store_accepts_all_58_examples_and_keeps_them_as_received(tenant):
    from carehub.fhir.selectors.records import get_received
    from carehub.fhir.services.records import as_fhir, store_received

    acting = acting_as(tenant.users["hub_admin"])
    with scopes_disabled():
        for path in sorted(EXAMPLES.glob("*.json")):
            sent = json.loads(path.read_text())
            row = store_received(acting=acting, resource=sent, client_id="")
            back = as_fhir(get_received(acting, sent["resourceType"], row.logical_id))
            assert codings(back) == codings(sent), path.name
            assert row.sender_id == sent["id"]
        assert ReceivedResource.objects.count() == 58


def test_patient_search_by_identifier_name_and_birthdate(tenant, partner_token):
    from carehub.fhir.mapping.patient import member_id_system

    token = partner_token(tenant.hub)
    member = tenant.member
    system = member_id_system(tenant.payer.slug)
    for query in (f"identifier={system}|{member.member_id}", f"identifier={member.member_id}",
                  f"family={member.last_name[:4]}", "birthdate=1950-05-01",
                  "birthdate=eq1950-05-01", f"_id={member.pk}"):
        entries = walk(token, f"/fhir/Patient?{query}")[1]
        assert [e["resource"]["id"] for e in entries] == [str(member.pk)], query
    for query in ("identifier=http://elsewhere|" + member.member_id, "birthdate=1950-05-02",
                  "family=Nobody"):
        assert walk(token, f"/fhir/Patient?{query}")[1] == [], query
