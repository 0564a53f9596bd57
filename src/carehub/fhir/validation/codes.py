"""Required bindings of FHIR R4 that fhircraft 0.9's base models leave unchecked: the
`code` elements bound (strength required) to small R4 value sets, for the resource types
carehub reads and writes, and the data types they carry at the top level. Codes as
published in FHIR R4 (4.0.1) valueset-*.html."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from carehub.fhir.validation.snapshot import _nodes

if TYPE_CHECKING:
    from carehub.fhir.validation import Problem

PUBLICATION = ("draft", "active", "retired", "unknown")
R4_CODES: dict[str, tuple[str, ...]] = {
    "Patient.gender": ("male", "female", "other", "unknown"),
    "Task.status": ("draft", "requested", "received", "accepted", "rejected", "ready",
                    "cancelled", "in-progress", "on-hold", "failed", "completed",
                    "entered-in-error"),
    "Task.intent": ("unknown", "proposal", "plan", "order", "original-order", "reflex-order",
                    "filler-order", "instance-order", "option"),
    "Task.priority": ("routine", "urgent", "asap", "stat"),
    "ServiceRequest.status": ("draft", "active", "on-hold", "revoked", "completed",
                              "entered-in-error", "unknown"),
    "ServiceRequest.intent": ("proposal", "plan", "directive", "order", "original-order",
                              "reflex-order", "filler-order", "instance-order", "option"),
    "ServiceRequest.priority": ("routine", "urgent", "asap", "stat"),
    "Procedure.status": ("preparation", "in-progress", "not-done", "on-hold", "stopped",
                         "completed", "entered-in-error", "unknown"),
    "Goal.lifecycleStatus": ("proposed", "planned", "accepted", "active", "on-hold",
                             "completed", "cancelled", "entered-in-error", "rejected"),
    "Consent.status": ("draft", "proposed", "active", "rejected", "inactive", "entered-in-error"),
    "Consent.provision.type": ("deny", "permit"),
    "Observation.status": ("registered", "preliminary", "final", "amended", "corrected",
                           "cancelled", "entered-in-error", "unknown"),
    "QuestionnaireResponse.status": ("in-progress", "completed", "amended", "entered-in-error",
                                     "stopped"),
    "Questionnaire.status": PUBLICATION,
    "Location.status": ("active", "suspended", "inactive"),
    "Location.mode": ("instance", "kind"),
    "DocumentReference.status": ("current", "superseded", "entered-in-error"),
    "Group.type": ("person", "animal", "practitioner", "device", "medication", "substance"),
    "Bundle.type": ("document", "message", "transaction", "transaction-response", "batch",
                    "batch-response", "history", "searchset", "collection"),
    "CapabilityStatement.status": PUBLICATION,
    "CapabilityStatement.kind": ("instance", "capability", "requirements"),
    "OperationOutcome.issue.severity": ("fatal", "error", "warning", "information"),
}
# Data types, wherever they sit at the top level of a resource.
TYPE_CODES: dict[str, dict[str, tuple[str, ...]]] = {
    "telecom": {"system": ("phone", "fax", "email", "pager", "url", "sms", "other"),
                "use": ("home", "work", "temp", "old", "mobile")},
    "address": {"use": ("home", "work", "temp", "old", "billing"),
                "type": ("postal", "physical", "both")},
    "name": {"use": ("usual", "official", "temp", "nickname", "anonymous", "old", "maiden")},
    "identifier": {"use": ("usual", "official", "temp", "secondary", "old")},
}
# Required CodeableConcept bindings: the codes of their own code system.
CONCEPT_CODES: dict[str, tuple[str, tuple[str, ...]]] = {
    "Condition.clinicalStatus": (
        "http://terminology.hl7.org/CodeSystem/condition-clinical",
        ("active", "recurrence", "relapse", "inactive", "remission", "resolved")),
    "Condition.verificationStatus": (
        "http://terminology.hl7.org/CodeSystem/condition-ver-status",
        ("unconfirmed", "provisional", "differential", "confirmed", "refuted",
         "entered-in-error")),
}


def check(resource: dict[str, Any]) -> list[Problem]:
    from carehub.fhir.validation import Problem

    rtype = resource.get("resourceType", "")
    problems: list[Problem] = []

    def allowed(path: str, value: Any, codes: tuple[str, ...]) -> None:
        if isinstance(value, str) and value not in codes:
            problems.append(Problem(path, f"{value!r} is not a code of the required value set "
                                          f"({', '.join(codes)})"))

    for element, codes in R4_CODES.items():
        head, *rest = element.split(".")
        if head != rtype:
            continue
        for path, value in _nodes((rtype, resource), rest):
            allowed(path, value, codes)
    for element, (system, codes) in CONCEPT_CODES.items():
        head, *rest = element.split(".")
        if head != rtype:
            continue
        for path, value in _nodes((rtype, resource), [*rest, "coding"]):
            if isinstance(value, dict) and value.get("system") == system:
                allowed(f"{path}.code", value.get("code"), codes)
    for key, fields in TYPE_CODES.items():
        for path, value in _nodes((rtype, resource), [key]):
            for name, codes in fields.items():
                if isinstance(value, dict) and name in value:
                    allowed(f"{path}.{name}", value[name], codes)
    return problems
