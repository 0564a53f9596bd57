"""referrals.Consent → SDOHCC Consent (information disclosure, IDSCL).

The member's consent as carehub records it: what may be shared with whom (`scope`, kept
as the text/plain source attachment, since carehub keeps no scanned form), given on a
day, possibly expiring, possibly revoked. Revoked or expired → `inactive`.
"""

from __future__ import annotations

import base64
from datetime import date

from django.utils import timezone

from carehub.fhir.mapping.common import (
    Json,
    coding,
    compact,
    concept,
    day,
    instant,
    meta,
    profile,
    ref,
)
from carehub.referrals.models import Consent

CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
POLICY = "http://terminology.hl7.org/CodeSystem/consentpolicycodes"
KIND_TEXT = {"data_sharing": "Data sharing", "story_sharing": "Story sharing"}


def consent_status(row: Consent, on: date | None = None) -> str:
    today = on or timezone.localdate()
    if row.revoked_at is not None:
        return "inactive"
    if row.expires_on is not None and row.expires_on < today:
        return "inactive"
    return "active"


def consent(row: Consent, *, on: date | None = None) -> Json:
    period: Json = {"start": day(row.given_on)}
    if row.expires_on:
        period["end"] = day(row.expires_on)
    if row.revoked_at is not None:
        # A revocation ends the permission the day it was made.
        period["end"] = instant(row.revoked_at)
    resource: Json = {
        "resourceType": "Consent",
        "id": str(row.pk),
        "meta": meta(profile("Consent"), updated=row.revoked_at or row.recorded_at),
        "status": consent_status(row, on),
        "scope": concept(coding(CONSENT_SCOPE, "patient-privacy", "Privacy Consent")),
        "category": [concept(coding(ACT_CODE, "IDSCL", "information disclosure"),
                             text=KIND_TEXT.get(row.kind, row.kind))],
        "patient": ref("Patient", row.member_id),
        "dateTime": instant(row.recorded_at),
        "organization": [ref("Organization", row.organisation_id)],
        "sourceAttachment": {
            "contentType": "text/plain; charset=utf-8",
            "language": "en",
            "data": base64.b64encode(row.scope.encode("utf-8")).decode("ascii"),
            "title": f"{KIND_TEXT.get(row.kind, row.kind)} consent as recorded",
            "creation": instant(row.recorded_at),
        },
        "policyRule": concept(coding(POLICY, "hipaa-auth", "HIPAA Authorization")),
        "provision": {"type": "permit", "period": period},
    }
    return compact(resource)
