"""referrals.Need → SDOHCC Condition: a positive screening domain as an SDOH health
concern, coded with the billable ICD-10-CM Z code carehub chose (referrals/needs.py)."""

from __future__ import annotations

from carehub.fhir.mapping.common import (
    CONDITION_CATEGORY,
    ICD10CM,
    US_CORE_CATEGORY,
    Json,
    coding,
    compact,
    concept,
    instant,
    meta,
    profile,
    ref,
    sdoh_categories,
)
from carehub.referrals.models import Need

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
# carehub's need status → Condition.clinicalStatus
CLINICAL_STATUS = {"active": "active", "met": "resolved", "dropped": "inactive"}


def condition(need: Need) -> Json:
    clinical = CLINICAL_STATUS.get(need.status, "active")
    resource: Json = {
        "resourceType": "Condition",
        "id": str(need.pk),
        "meta": meta(profile("Condition"), updated=need.at),
        "clinicalStatus": concept(coding(CLINICAL, clinical, clinical.capitalize())),
        # From a screening answer, as the IG's own examples: not yet confirmed by a clinician.
        "verificationStatus": concept(coding(VERIFICATION, "unconfirmed", "Unconfirmed")),
        "category": [
            concept(coding(CONDITION_CATEGORY, "health-concern", "Health Concern")),
            concept(coding(US_CORE_CATEGORY, "sdoh", "SDOH")),
            *sdoh_categories(need.domain),
        ],
        "code": concept(coding(ICD10CM, need.icd10, need.icd10_display), text=need.icd10_display),
        "subject": ref("Patient", need.member_id),
        "onsetDateTime": instant(need.at),
        "recordedDate": instant(need.at),
        "evidence": ([{"detail": [ref("QuestionnaireResponse", need.screening_id)]}]
                     if need.screening_id else []),
    }
    if clinical != "active":
        resource["abatementString"] = "Need met" if need.status == "met" else "Need no longer pursued"
    return compact(resource)
