"""The guide's referral workflow replayed against a live server over real HTTP, as a
source system and a CBO's app would do it: tokens from the token endpoint (signed client
assertions), the source's Task POSTed with its ServiceRequest, polling
`Task?owner=..&_lastUpdated=gt..`, the CBO accepting, its Procedure, completion, and the
source seeing its Task completed with the Procedure as output."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django_scopes import scopes_disabled

from carehub.referrals import services
from carehub.referrals.models import Referral
from tests.integration.conftest import acting_as
from tests.integration.fhir import referral_world as world
from tests.integration.fhir.conftest import make_assertion, register_partner

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
FHIR_JSON = "application/fhir+json"
SCOPES = "system/Task.cruds system/ServiceRequest.cruds system/Procedure.cruds"


class System:
    """A partner system talking to the live server: its token and its requests."""

    def __init__(self, base: str, org: Any) -> None:
        self.base = base
        partner = register_partner(org, SCOPES, name=f"{org.name} system")
        token_url = f"{base}/fhir/auth/token"
        form = urllib.parse.urlencode({
            "grant_type": "client_credentials", "scope": SCOPES,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": make_assertion(partner.client_id, aud=token_url)}).encode()
        status, _, body = self._send("POST", token_url, form,
                                     {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200, body
        self.token = body["access_token"]
        assert body["token_type"].lower() == "bearer"

    def _send(self, method: str, url: str, data: bytes | None,
              headers: dict[str, str]) -> tuple[int, Any, Any]:
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # nosec B310 - loopback test server
                return response.status, response.headers, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, json.loads(exc.read() or b"{}")

    def call(self, method: str, path: str, resource: Any = None,
             **headers: str) -> tuple[int, Any, Any]:
        url = path if path.startswith("http") else f"{self.base}{path}"
        sent = {"Authorization": f"Bearer {self.token}", "Accept": FHIR_JSON, **headers}
        data = None
        if resource is not None:
            data = json.dumps(resource).encode()
            sent["Content-Type"] = FHIR_JSON
        return self._send(method, url, data, sent)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def test_the_referral_workflow_over_http(tenant, live_server):
    world.ready(tenant)
    with scopes_disabled():
        source = System(live_server.url, tenant.hub)
        cbo = System(live_server.url, tenant.cbo)
    started = datetime.now(UTC) - timedelta(seconds=1)

    # 1. The source POSTs its Task with the ServiceRequest (and Patient) as a transaction.
    status, _, answer = source.call("POST", "/fhir/", world.bundle(tenant))
    assert status == 200, answer
    location = answer["entry"][-1]["response"]["location"]
    source_task_url = "/fhir/" + "/".join(location.split("/")[:2])
    status, _, mine = source.call("GET", source_task_url)
    assert (status, mine["status"]) == (200, "requested")

    # 2. The CBO's app polls for Tasks it owns changed since it last looked.
    poll = (f"/fhir/Task?owner=Organization/{tenant.cbo.pk}&_lastUpdated=gt{stamp(started)}"
            f"&_include=Task:focus")
    status, _, page = cbo.call("GET", poll)
    assert status == 200, page
    matches = [e for e in page["entry"] if e["search"]["mode"] == "match"]
    assert len(matches) == 1
    task = matches[0]["resource"]
    assert task["partOf"] == [{"reference": source_task_url.removeprefix("/fhir/")}]
    assert any(e["resource"]["resourceType"] == "ServiceRequest" for e in page["entry"])
    task_url = f"/fhir/Task/{task['id']}"

    # 3. The CBO reaches the member (its worker records the call in carehub), then works
    #    the Task through FHIR, each update with the version it read.
    with scopes_disabled():
        referral = Referral.objects.get(pk=int(task["id"].split("-")[1]))
        services.record_attempt(referral, referral.version, channel="phone", outcome="reached",
                                acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))

    def put(status_value: str, **fields: Any) -> dict[str, Any]:
        code, headers, current = cbo.call("GET", task_url)
        assert code == 200
        body = world.with_status(current, status_value, **fields)
        code, _, updated = cbo.call("PUT", task_url, body, **{"If-Match": headers["ETag"]})
        assert code == 200, updated
        return updated

    for step in ("contacted", "screened"):
        put("received", businessStatus={"coding": [{"system": "urn:carehub:referral-state",
                                                    "code": step}]})
    assert put("accepted")["status"] == "accepted"
    status, _, seen = source.call("GET", source_task_url)
    assert seen["status"] == "accepted"
    assert put("in-progress")["status"] == "in-progress"

    # 4. The service delivered, as a Procedure; then completion.
    procedure = {"resourceType": "Procedure", "status": "completed",
                 "meta": {"profile": ["http://hl7.org/fhir/us/sdoh-clinicalcare/"
                                      "StructureDefinition/SDOHCC-Procedure"]},
                 "category": {"coding": [{"system": "http://snomed.info/sct",
                                          "code": "410606002",
                                          "display": "Social service procedure"}]},
                 "code": {"coding": [{"system": "http://snomed.info/sct", "code": "710925007",
                                      "display": "Provision of food"}]},
                 "subject": {"reference": task["for"]["reference"]},
                 "basedOn": [{"reference": task["focus"]["reference"]}],
                 "performedDateTime": date.today().isoformat()}
    status, headers, made = cbo.call("POST", "/fhir/Procedure", procedure)
    assert status == 201, made
    assert "/fhir/Procedure/" in headers["Location"]
    done = put("completed")
    assert done["output"][0]["valueReference"]["reference"] == f"Procedure/{made['id']}"

    # 5. The source, polling, sees its Task completed with the Procedure as output.
    time.sleep(0.01)
    status, _, changed = source.call(
        "GET", f"/fhir/Task?owner=Organization/{tenant.cbo.pk}&_lastUpdated=gt{stamp(started)}")
    assert [e["resource"]["status"] for e in changed["entry"]] == ["completed"]
    status, _, final = source.call("GET", source_task_url)
    assert final["status"] == "completed"
    output = final["output"][0]["valueReference"]["reference"]
    assert output == f"Procedure/{made['id']}"
    status, _, performed = source.call("GET", f"/fhir/{output}")
    assert status == 200 and performed["status"] == "completed"
