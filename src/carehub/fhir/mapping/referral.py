"""A referral as FHIR R4 resources of the HL7 SDOH Clinical Care guide (STU 2.3.0).

- `task`: carehub's own Task for the referral (SDOHCC-TaskForReferralManagement): intent
  order, code fulfill, status from `core.referral_states.FHIR_TASK` with carehub's finer
  state in businessStatus.text, the reason of a decline or close in statusReason.text,
  focus its ServiceRequest, for the member, owner the organisation doing the work,
  requester the hub (or plan), partOf the source system's Task when it came by FHIR,
  output one Procedure reference per service delivered.
- `service_request`: the referral's SDOHCC-ServiceRequest (the coding the source sent is
  kept when it came by FHIR; basedOn the source's ServiceRequest).
- `procedure`: a service delivered (`referrals.ServiceDelivery`) as SDOHCC-Procedure.
- `source_task`: the source's Task as it was received, with its status, statusReason,
  businessStatus, output and lastModified taken from the referral now: the source's Task
  follows the work.

Ids: `referral-<pk>` for a referral's Task and ServiceRequest, `service-<pk>` for a
delivery's Procedure (no member data in ids). meta.versionId is the referral's
`version` (the If-Match of an update), meta.lastUpdated its `updated_at`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from carehub.core.referral_states import CLOSE_REASON_LABELS, FHIR_TASK, CloseReason, State

SDOHCC = "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/"
TASK_PROFILE = SDOHCC + "SDOHCC-TaskForReferralManagement"
SERVICE_REQUEST_PROFILE = SDOHCC + "SDOHCC-ServiceRequest"
PROCEDURE_PROFILE = SDOHCC + "SDOHCC-Procedure"
TEMPORARY_CODES = "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes"
TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code"
SNOMED = "http://snomed.info/sct"
# carehub's own identifiers and codes (URNs: they name, they are not fetched).
REFERRAL_SYSTEM = "urn:carehub:referral"
SERVICE_CODE_SYSTEM = "urn:carehub:contract-service"
CONTRACT_SYSTEM = "urn:carehub:contract"
STATE_SYSTEM = "urn:carehub:referral-state"
CLOSE_REASON_SYSTEM = "urn:carehub:close-reason"

TASK_PREFIX = "referral-"
PROCEDURE_PREFIX = "service-"
OWN_ID = re.compile(r"^(referral|service)-(\d{1,18})$")

SOCIAL_SERVICE = {"system": SNOMED, "code": "410606002", "display": "Social service procedure"}
RESULTING_ACTIVITY = {"coding": [{"system": TEMPORARY_CODES, "code": "resulting-activity",
                                  "display": "Resulting Activity"}]}

# Directory service type → the guide's SDOH category (SDOHCC-ValueSetSDOHCategory).
SDOH_CATEGORY: dict[str, tuple[str, str]] = {
    "nutrition": ("food-insecurity", "Food Insecurity"),
    "tenancy-support": ("housing-instability", "Housing Instability"),
    "transportation": ("transportation-insecurity", "Transportation Insecurity"),
}
UNSPECIFIED = ("sdoh-category-unspecified", "SDOH Category Unspecified")
# Directory service type → a SNOMED CT procedure (US Core procedure codes); the generic
# "social service procedure" where the guide's examples name no closer one.
SNOMED_PROCEDURE: dict[str, tuple[str, str]] = {
    "nutrition": ("710925007", "Provision of food"),
}


def task_id(referral_pk: int) -> str:
    return f"{TASK_PREFIX}{referral_pk}"


def procedure_id(delivery_pk: int) -> str:
    return f"{PROCEDURE_PREFIX}{delivery_pk}"


def own_pk(logical_id: str, prefix: str) -> int | None:
    """The row's pk when `logical_id` is one of carehub's own ids of that kind."""
    found = OWN_ID.match(logical_id or "")
    if found is None or f"{found.group(1)}-" != prefix:
        return None
    return int(found.group(2))


def patient_reference(member_pk: int) -> dict[str, str]:
    return {"reference": f"Patient/{member_pk}"}


def organization_reference(pk: int, name: str = "") -> dict[str, str]:
    ref = {"reference": f"Organization/{pk}"}
    if name:
        ref["display"] = name
    return ref


def instant(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _meta(profile: str, version: int, updated: datetime | None) -> dict[str, Any]:
    meta: dict[str, Any] = {"profile": [profile], "versionId": str(version)}
    stamp = instant(updated)
    if stamp:
        meta["lastUpdated"] = stamp
    return meta


def category_coding(service_type: str) -> dict[str, str]:
    code, display = SDOH_CATEGORY.get(service_type, UNSPECIFIED)
    return {"system": TEMPORARY_CODES, "code": code, "display": display}


def service_code(service_type: str, code: str, name: str = "") -> dict[str, Any]:
    snomed, display = SNOMED_PROCEDURE.get(service_type, (SOCIAL_SERVICE["code"],
                                                          SOCIAL_SERVICE["display"]))
    concept: dict[str, Any] = {"coding": [
        {"system": SNOMED, "code": snomed, "display": display},
        {"system": SERVICE_CODE_SYSTEM, "code": code, **({"display": name} if name else {})},
    ]}
    if name:
        concept["text"] = name
    return concept


def status_of(referral: Any) -> dict[str, Any]:
    """Task.status, businessStatus and statusReason for the referral's state."""
    state = State(referral.state)
    mapped = FHIR_TASK[state]
    out: dict[str, Any] = {
        "status": mapped.status,
        "businessStatus": {"coding": [{"system": STATE_SYSTEM, "code": state.value}],
                           "text": mapped.business_status},
    }
    if state is State.DECLINED:
        out["statusReason"] = {"text": referral.decline_reason or "member declined"}
    elif state is State.CLOSED:
        reason = referral.close_reason or CloseReason.OTHER.value
        try:
            words = CLOSE_REASON_LABELS[CloseReason(reason)]
        except ValueError:
            words = reason
        out["statusReason"] = {"coding": [{"system": CLOSE_REASON_SYSTEM, "code": reason,
                                           "display": words}], "text": words}
    return out


def outputs(delivery_pks: Iterable[int]) -> list[dict[str, Any]]:
    return [{"type": copy.deepcopy(RESULTING_ACTIVITY),
             "valueReference": {"reference": f"Procedure/{procedure_id(pk)}"}}
            for pk in delivery_pks]


def requester_of(referral: Any, link: Any = None) -> dict[str, Any]:
    received = (link.source_task or {}).get("requester") if link is not None else None
    if isinstance(received, dict) and received.get("reference"):
        return copy.deepcopy(received)
    if referral.hub_id:
        return organization_reference(referral.hub_id)
    return organization_reference(referral.plan_id)


def task(referral: Any, *, link: Any = None, delivery_pks: Iterable[int] = (),
         owner_name: str = "") -> dict[str, Any]:
    """carehub's Task for the referral."""
    resource: dict[str, Any] = {
        "resourceType": "Task",
        "id": task_id(referral.pk),
        "meta": _meta(TASK_PROFILE, referral.version, referral.updated_at),
        "identifier": [{"system": REFERRAL_SYSTEM, "value": str(referral.pk)}],
    }
    if link is not None:
        resource["partOf"] = [{"reference": f"Task/{link.source_task_id}"}]
    resource.update(status_of(referral))
    resource.update({
        "intent": "order",
        "code": {"coding": [{"system": TASK_CODE, "code": "fulfill",
                             "display": "Fulfill the focal request"}]},
        "focus": {"reference": f"ServiceRequest/{task_id(referral.pk)}"},
        "for": patient_reference(referral.member_id),
        "authoredOn": instant(referral.created_at),
        "lastModified": instant(referral.updated_at),
        "requester": requester_of(referral, link),
        "owner": organization_reference(referral.organisation_id, owner_name),
    })
    out = outputs(delivery_pks)
    if out:
        resource["output"] = out
    return resource


def request_status(referral: Any) -> str:
    state = State(referral.state)
    if state is State.COMPLETED:
        return "completed"
    if state in (State.CLOSED, State.DECLINED):
        return "revoked"
    return "active"


def service_request(referral: Any, *, link: Any = None, service_name: str = "",
                    owner_name: str = "") -> dict[str, Any]:
    """The referral's ServiceRequest."""
    received = (link.source_service_request or {}) if link is not None else {}
    categories = copy.deepcopy(received.get("category") or [])
    if not categories:
        categories = [{"coding": [dict(SOCIAL_SERVICE)]},
                      {"coding": [category_coding(referral.service_type)]}]
    code = copy.deepcopy(received.get("code")) if received.get("code") else None
    if code is None:
        code = service_code(referral.service_type, referral.service_code, service_name)
    elif not any(c.get("system") == SERVICE_CODE_SYSTEM for c in code.get("coding", [])):
        code.setdefault("coding", []).append({"system": SERVICE_CODE_SYSTEM,
                                              "code": referral.service_code})
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": task_id(referral.pk),
        "meta": _meta(SERVICE_REQUEST_PROFILE, referral.version, referral.updated_at),
        "identifier": [{"system": REFERRAL_SYSTEM, "value": str(referral.pk)}],
    }
    if link is not None and link.source_service_request_id:
        resource["basedOn"] = [{"reference": f"ServiceRequest/{link.source_service_request_id}"}]
    resource.update({
        "status": request_status(referral),
        "intent": "order",
        "category": categories,
        "code": code,
        "subject": patient_reference(referral.member_id),
        "authoredOn": instant(referral.created_at),
        "requester": requester_of(referral, link),
        "performer": [organization_reference(referral.organisation_id, owner_name)],
    })
    if referral.contract_code:
        resource["supportingInfo"] = [{"identifier": {"system": CONTRACT_SYSTEM,
                                                      "value": referral.contract_code},
                                       "display": f"contract {referral.contract_code}"}]
    for name in ("reasonReference", "reasonCode", "occurrencePeriod", "occurrenceDateTime",
                 "priority"):
        if received.get(name):
            resource[name] = copy.deepcopy(received[name])
    return resource


def procedure(delivery: Any, *, service_type: str = "", service_name: str = "",
              received: dict[str, Any] | None = None,
              owner_name: str = "") -> dict[str, Any]:
    """A service delivered as an SDOHCC Procedure, based on the referral's ServiceRequest.
    A Procedure that came by FHIR keeps the codings it arrived with."""
    category = {"coding": [dict(SOCIAL_SERVICE), category_coding(service_type)]}
    code = service_code(service_type, delivery.service_code, service_name)
    if received:
        if received.get("category"):
            category = copy.deepcopy(received["category"])
        if received.get("code"):
            code = copy.deepcopy(received["code"])
            if not any(c.get("system") == SERVICE_CODE_SYSTEM for c in code.get("coding", [])):
                code.setdefault("coding", []).append({"system": SERVICE_CODE_SYSTEM,
                                                      "code": delivery.service_code})
    resource: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": procedure_id(delivery.pk),
        "meta": {"profile": [PROCEDURE_PROFILE], "versionId": "1",
                 **({"lastUpdated": instant(delivery.at)} if delivery.at else {})},
        "identifier": [{"system": "urn:carehub:service-delivery", "value": str(delivery.pk)}],
        "basedOn": [{"reference": f"ServiceRequest/{task_id(delivery.referral_id)}"}],
        "status": "completed",
        "category": category,
        "code": code,
        "subject": patient_reference(delivery.member_id),
        "performedDateTime": _day(delivery.date),
        "performer": [{"actor": organization_reference(delivery.organisation_id, owner_name)}],
    }
    if received and received.get("reasonReference"):
        resource["reasonReference"] = copy.deepcopy(received["reasonReference"])
    return resource


def _day(value: date) -> str:
    return value.isoformat()


def source_task(link: Any, referral: Any, *, delivery_pks: Iterable[int] = ()) -> dict[str, Any]:
    """The source system's Task as received, following the referral: status,
    businessStatus, statusReason, output (the Procedures), lastModified and meta
    (versionId = the referral's version) are the referral's now."""
    resource = copy.deepcopy(link.source_task)
    resource["id"] = link.source_task_id
    resource.pop("statusReason", None)
    resource.update(status_of(referral))
    meta = dict(resource.get("meta") or {})
    meta["versionId"] = str(referral.version)
    stamp = instant(referral.updated_at)
    if stamp:
        meta["lastUpdated"] = stamp
    resource["meta"] = meta
    resource["lastModified"] = stamp
    kept = [o for o in resource.get("output") or []
            if not str((o.get("valueReference") or {}).get("reference", "")).startswith(
                f"Procedure/{PROCEDURE_PREFIX}")]
    out = kept + outputs(delivery_pks)
    if out:
        resource["output"] = out
    else:
        resource.pop("output", None)
    if referral.organisation_id and not resource.get("owner"):
        resource["owner"] = organization_reference(referral.organisation_id)
    return resource
