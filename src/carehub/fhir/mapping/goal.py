"""referrals.Need's goal → SDOHCC Goal. carehub keeps one goal per need (its words, no
code), so the Goal shares the need's id and `addresses` its Condition. Goals that arrive
by FHIR with more than that are kept as received (the received store)."""

from __future__ import annotations

from carehub.fhir.mapping.common import (
    Json,
    coding,
    compact,
    concept,
    day,
    meta,
    profile,
    ref,
    sdoh_categories,
)
from carehub.referrals.models import Need

ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
LIFECYCLE = {"active": "active", "met": "completed", "dropped": "cancelled"}


def goal(need: Need) -> Json:
    resource: Json = {
        "resourceType": "Goal",
        "id": str(need.pk),
        "meta": meta(profile("Goal"), updated=need.at),
        "lifecycleStatus": LIFECYCLE.get(need.status, "active"),
        "achievementStatus": (concept(coding(ACHIEVEMENT, "achieved", "Achieved"))
                              if need.status == "met" else None),
        "category": sdoh_categories(need.domain),
        "description": {"text": need.goal},
        "subject": ref("Patient", need.member_id),
        "startDate": day(need.at.date()),
        "addresses": [ref("Condition", need.pk)],
    }
    return compact(resource)
