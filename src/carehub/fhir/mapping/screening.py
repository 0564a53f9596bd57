"""referrals.Screening (AHC HRSN, Hunger Vital Sign, PRAPARE items) → a
QuestionnaireResponse, and one SDOHCC ObservationScreeningResponse per answer given.

Items are keyed by their LOINC code (linkId and Observation.code); answers are LOINC
answer codes (LA…), as core/screening.py defines them. An Observation's id is the
screening's id and the item's LOINC code, so it is stable and carries no member data.
"""

from __future__ import annotations

from collections.abc import Sequence

from carehub.core.screening import INSTRUMENTS, Instrument, Item, ScreeningError
from carehub.fhir.mapping.common import (
    LOINC,
    OBSERVATION_CATEGORY,
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
from carehub.referrals.models import Screening

INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"


def questionnaire_url(instrument: Instrument) -> str:
    """LOINC's canonical for the instrument's panel."""
    return f"http://loinc.org/q/{instrument.panel_loinc}"


def _answers(raw: object) -> list[str]:
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, Sequence):
        return [str(x) for x in raw]
    return []


def _answered(screening: Screening) -> list[tuple[Item, list[str]]]:
    instrument = INSTRUMENTS[screening.instrument]
    out = []
    for item in instrument.items:
        codes = _answers((screening.answers or {}).get(item.loinc))
        if codes:
            out.append((item, codes))
    return out


def _answer_coding(item: Item, code: str) -> Json:
    try:
        return coding(LOINC, code, item.option(code).text_en)
    except ScreeningError:
        return coding(LOINC, code)


def questionnaire_response(screening: Screening) -> Json:
    instrument = INSTRUMENTS[screening.instrument]
    resource: Json = {
        "resourceType": "QuestionnaireResponse",
        "id": str(screening.pk),
        "meta": meta(updated=screening.at),
        "questionnaire": questionnaire_url(instrument),
        "status": "completed",
        "subject": ref("Patient", screening.member_id),
        "authored": instant(screening.at),
        "author": ref("Organization", screening.organisation_id),
        "item": [{"linkId": item.loinc, "text": item.text_en,
                  "answer": [{"valueCoding": _answer_coding(item, code)} for code in codes]}
                 for item, codes in _answered(screening)],
    }
    if screening.language and screening.language != "en":
        resource["language"] = screening.language
    return compact(resource)


def observation_id(screening_pk: object, loinc: str) -> str:
    return f"{screening_pk}-{loinc}"


def screening_observations(screening: Screening) -> list[Json]:
    """One Observation per answer: an item with several answers ("check all that apply")
    gets one per answer code, with the code in its id."""
    out = []
    for item, codes in _answered(screening):
        for code in codes:
            oid = observation_id(screening.pk, item.loinc)
            if len(codes) > 1:
                oid = f"{oid}-{code}"
            resource: Json = {
                "resourceType": "Observation",
                "id": oid,
                "meta": meta(profile("ObservationScreeningResponse"), updated=screening.at),
                "status": "final",
                "category": [
                    concept(coding(OBSERVATION_CATEGORY, "social-history", "Social History")),
                    concept(coding(OBSERVATION_CATEGORY, "survey", "Survey")),
                    *sdoh_categories(item.domain),
                ],
                "code": concept(coding(LOINC, item.loinc), text=item.text_en),
                "subject": ref("Patient", screening.member_id),
                "effectiveDateTime": instant(screening.at),
                "issued": instant(screening.at),
                "performer": [ref("Organization", screening.organisation_id)],
                "valueCodeableConcept": concept(_answer_coding(item, code)),
                "interpretation": ([concept(coding(INTERPRETATION, "POS", "Positive"))]
                                   if _is_positive(item, code) else []),
                "derivedFrom": [ref("QuestionnaireResponse", screening.pk)],
            }
            out.append(compact(resource))
    return out


def _is_positive(item: Item, code: str) -> bool:
    try:
        return item.option(code).positive
    except ScreeningError:
        return False
