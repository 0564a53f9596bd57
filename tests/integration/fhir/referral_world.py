"""What the referral workflow tests over FHIR share: a tenant whose hub has a contract
in effect with the plan (meals, HDM and NUTR), its CBO in the directory for the member's
county, the member's data-sharing consent, and the source system's referral as FHIR
JSON (a Task with its ServiceRequest, in a transaction Bundle or contained)."""

from __future__ import annotations

import copy
import uuid
from datetime import date
from typing import Any

from django_scopes import scopes_disabled

from carehub.fhir.mapping import referral as mapping
from carehub.referrals import services
from carehub.referrals.models import Consent, Referral
from tests.integration.conftest import Tenant, acting_as
from tests.integration.referrals.conftest import contract_with_terms, directory_service

TASK_PROFILE = mapping.TASK_PROFILE
SR_PROFILE = mapping.SERVICE_REQUEST_PROFILE


def ready(t: Tenant, *, consent: bool = True, code: str = "") -> None:
    """The contract (T-MEALS, or `code`: contract codes are unique across networks), the
    directory entry that routing finds, and the member's consent."""
    contract_with_terms(t, code or "T-MEALS")
    directory_service(t.cbo)
    if consent:
        give_consent(t)


def give_consent(t: Tenant) -> Consent:
    with scopes_disabled():
        return services.record_consent(
            t.member, kind="data_sharing", scope="the hub, its CBOs and the plan",
            given_on=date(2025, 1, 1), expires_on=None,
            acting=acting_as(t.users["hub_coordinator"], t.hub))


def service_request(*, sr_id: str = "sr-1", service: str = "HDM",
                    subject: str = "urn:uuid:patient-1") -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest", "id": sr_id,
        "meta": {"profile": [SR_PROFILE]},
        "status": "active", "intent": "order",
        "category": [{"coding": [{"system": "http://snomed.info/sct", "code": "410606002",
                                  "display": "Social service procedure"}]},
                     {"coding": [{"system": mapping.TEMPORARY_CODES,
                                  "code": "food-insecurity", "display": "Food Insecurity"}]}],
        "code": {"coding": [
            {"system": "http://snomed.info/sct", "code": "710925007",
             "display": "Provision of food"},
            {"system": mapping.SERVICE_CODE_SYSTEM, "code": service}]},
        "subject": {"reference": subject},
        "authoredOn": "2026-12-01T10:00:00Z",
    }


def task(t: Tenant, *, task_id: str = "src-task-1", identifier: str | None = None,
         focus: str = "ServiceRequest/sr-1", for_ref: dict[str, Any] | None = None,
         owner: dict[str, Any] | None = None) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Task", "id": task_id,
        "meta": {"profile": [TASK_PROFILE]},
        "identifier": [{"system": "https://ehr.example.org/tasks",
                        "value": identifier or uuid.uuid4().hex}],
        "status": "requested", "intent": "order",
        "code": {"coding": [{"system": mapping.TASK_CODE, "code": "fulfill",
                             "display": "Fulfill the focal request"}]},
        "focus": {"reference": focus},
        "for": for_ref or {"reference": "urn:uuid:patient-1"},
        "authoredOn": "2026-12-01T10:00:00Z",
        "requester": {"reference": f"Organization/{t.hub.pk}", "display": t.hub.name},
    }
    if owner is not None:
        resource["owner"] = owner
    return resource


def patient(t: Tenant) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": "patient-1",
            "identifier": [{"system": "https://plan.example.org/member-id",
                            "value": t.member.member_id}],
            "name": [{"family": t.member.last_name, "given": [t.member.first_name]}]}


def bundle(t: Tenant, *, identifier: str | None = None, service: str = "HDM",
           owner: dict[str, Any] | None = None, kind: str = "transaction",
           with_patient: bool = True) -> dict[str, Any]:
    """The source's referral: Patient, ServiceRequest and Task as a transaction."""
    sr = service_request(service=service)
    sr.pop("id")
    entries = []
    if with_patient:
        p = patient(t)
        p.pop("id")
        entries.append({"fullUrl": "urn:uuid:patient-1", "resource": p,
                        "request": {"method": "POST", "url": "Patient"}})
    entries.append({"fullUrl": "urn:uuid:sr-1", "resource": sr,
                    "request": {"method": "POST", "url": "ServiceRequest"}})
    tk = task(t, identifier=identifier, focus="urn:uuid:sr-1", owner=owner)
    tk.pop("id")
    entries.append({"fullUrl": "urn:uuid:task-1", "resource": tk,
                    "request": {"method": "POST", "url": "Task"}})
    return {"resourceType": "Bundle", "type": kind, "entry": entries}


def contained_task(t: Tenant, *, identifier: str | None = None, service: str = "HDM",
                   task_id: str = "src-task-1") -> dict[str, Any]:
    """The Task alone, with its ServiceRequest contained and the member by identifier."""
    sr = service_request(service=service, sr_id="sr", subject="#")
    sr.pop("meta")
    sr["subject"] = {"identifier": {"system": "https://plan.example.org/member-id",
                                    "value": t.member.member_id}}
    tk = task(t, task_id=task_id, identifier=identifier, focus="#sr",
              for_ref={"identifier": {"system": "https://plan.example.org/member-id",
                                      "value": t.member.member_id}})
    tk["contained"] = [sr]
    return tk


def referral_of(entry_location: str, t: Tenant) -> Referral:
    """The referral a source Task (Task/<id>/...) made."""
    from carehub.fhir.models import ReferralLink

    source_id = entry_location.split("/")[1]
    with scopes_disabled():
        return ReferralLink.objects.select_related("referral").get(
            source_task_id=source_id, organisation=t.hub).referral


def with_status(resource: dict[str, Any], status: str, **fields: Any) -> dict[str, Any]:
    out = copy.deepcopy(resource)
    out["status"] = status
    out.pop("statusReason", None)
    out.pop("businessStatus", None)
    out.update(fields)
    return out
