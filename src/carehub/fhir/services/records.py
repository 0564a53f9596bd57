"""Keeping resources received by FHIR (or in files): validated first, kept as received.

    store_received(acting=..., resource={...}, client_id="...") -> ReceivedResource

A resource with any validation error is refused whole (`InvalidResource` with the
problems); nothing is saved. A valid one is kept exactly as it arrived under a new id
carehub assigns; the id the sender gave is kept (`sender_id`, and meta.source when the
sender set none). One about a carehub member (subject/patient "Patient/<id>") is linked
to the member, who must be one the acting organisation may see.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction

from carehub.audit import services as audit
from carehub.fhir.mapping.common import instant
from carehub.fhir.models import ReceivedResource
from carehub.fhir.validation import Problem, errors
from carehub.members.models import Member
from carehub.tenancy.access import Acting

SUBJECT_ELEMENTS = ("subject", "patient", "beneficiary", "for")
_MEMBER_REF = re.compile(r"^Patient/(\d{1,18})$")


class InvalidResource(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def subject_reference(resource: dict[str, Any]) -> tuple[str, str]:
    """(element, reference) of the resource's subject, e.g. ("subject", "Patient/12")."""
    for element in SUBJECT_ELEMENTS:
        value = resource.get(element)
        if isinstance(value, dict) and isinstance(value.get("reference"), str):
            return element, value["reference"]
    return "", ""


def store_received(*, acting: Acting, resource: Any, client_id: str = "") -> ReceivedResource:
    if not isinstance(resource, dict):
        raise InvalidResource([Problem("(root)", "a resource is a JSON object")])
    problems = errors(resource)
    rtype = resource.get("resourceType", "")
    element, reference = subject_reference(resource)
    member_id = None
    match = _MEMBER_REF.match(reference)
    if match and not problems:
        member_id = int(match.group(1))
        if not Member.objects.filter(pk=member_id,
                                     access__organisation=acting.organisation).exists():
            problems.append(Problem(f"{rtype}.{element}",
                                    f"{reference} is not a member this organisation may see"))
    if problems:
        raise InvalidResource(problems)
    sender_id = resource.get("id") if isinstance(resource.get("id"), str) else ""
    with transaction.atomic():
        row = ReceivedResource.objects.create(
            organisation=acting.organisation, resource_type=rtype, resource=resource,
            member_id=member_id, subject=reference[:200], received_from=client_id[:200],
            sender_id=(sender_id or "")[:64])
        audit.record("create", object_type=f"fhir_{rtype}"[:64], object_id=row.logical_id,
                     acting=acting, member_id=member_id,
                     detail={"received": True, "client_id": client_id,
                             "sender_id": sender_id or ""})
    return row


def as_fhir(row: ReceivedResource) -> dict[str, Any]:
    """The resource as received, under carehub's id, with its version and time."""
    resource = dict(row.resource)
    meta = dict(resource.get("meta") or {})
    meta["versionId"] = str(row.version_id)
    meta["lastUpdated"] = instant(row.updated_at)
    if "source" not in meta:
        who = (f"urn:carehub:client:{row.received_from}" if row.received_from
               else f"urn:carehub:organisation:{row.organisation_id}")
        meta["source"] = f"{who}#{row.sender_id}" if row.sender_id else who
    resource["id"] = row.logical_id
    resource["meta"] = meta
    return resource
