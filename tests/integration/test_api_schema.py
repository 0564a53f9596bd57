"""/api/openapi.json describes what the operations return, and they return that shape."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.integration.conftest import signed_in

pytestmark = pytest.mark.django_db


def openapi() -> dict[str, Any]:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def component(schema: dict[str, Any], ref_holder: dict[str, Any]) -> dict[str, Any]:
    ref = ref_holder.get("$ref") or ref_holder["items"]["$ref"]
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def ok_schema(schema: dict[str, Any], path: str) -> dict[str, Any]:
    return component(schema, schema["paths"][path]["get"]["responses"]["200"]["content"]
                     ["application/json"]["schema"])


def test_every_operation_declares_an_object_with_properties() -> None:
    schema = openapi()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation["responses"]["200"]["content"]["application/json"]["schema"]
            shape = component(schema, body)
            assert shape["type"] == "object" and shape["properties"], (method, path)


def test_the_schema_names_the_fields_clients_read() -> None:
    schema = openapi()
    me = ok_schema(schema, "/api/me")
    assert set(me["required"]) == {"username", "organisation", "role"}
    referral = ok_schema(schema, "/api/referrals/referrals")
    assert {"id", "member", "organisation", "service", "contract", "state", "close_reason",
            "due_at", "version", "fhir_task"} <= set(referral["required"])
    detail = ok_schema(schema, "/api/referrals/referrals/{pk}")
    assert {"shared", "timeline"} <= set(detail["properties"])
    task = schema["components"]["schemas"]["FhirTaskOut"]
    assert set(task["properties"]) == {"status", "businessStatus"}
    page = ok_schema(schema, "/api/hsds/services")
    assert {"total_items", "total_pages", "page_number", "size", "first_page", "last_page",
            "empty", "contents"} == set(page["required"])
    service = ok_schema(schema, "/api/hsds/services/{service_id}")
    assert {"id", "organization_id", "name", "wait_time", "service_areas",
            "service_at_locations"} <= set(service["properties"])
    assert service.get("additionalProperties") is True  # imported HSDS properties pass through


def test_answers_carry_the_declared_fields(tenant: Any) -> None:
    client = signed_in(tenant.users["hub_coordinator"])
    me = client.get("/api/me").json()
    assert me == {"username": tenant.users["hub_coordinator"].username,
                  "organisation": {"id": tenant.hub.pk, "name": tenant.hub.name, "kind": "hub"},
                  "role": "hub_coordinator"}
    page = client.get("/api/hsds/services?per_page=5").json()
    assert page["page_number"] == 1 and page["size"] == len(page["contents"])
    for item in page["contents"]:
        # list items carry one-to-one properties only, and no empty ones
        assert not any(isinstance(v, list | dict) or v in ("", None) for v in item.values())
