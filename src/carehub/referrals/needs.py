"""From a positive screening domain to a coded need and a goal.

The Z codes are carehub's default choice per domain (and per answer where the answer
says more); every code is checked with `simple-icd-10-cm` to be a billable (leaf) code
before it is stored, so a code retired from billing (Z59.4, Z59.86) can never be saved.
"""

from __future__ import annotations

from dataclasses import dataclass

import simple_icd_10_cm as icd

# Answer-specific codes first, then the domain default.
ANSWER_CODES: dict[str, str] = {
    "LA31995-6": "Z59.00",  # no steady place to live → homelessness, unspecified
    "LA31994-9": "Z59.811",  # worried about losing it → housing instability, risk of homelessness
    "LA32002-0": "Z59.12",  # utilities already shut off → inadequate housing utilities
}
DOMAIN_CODES: dict[str, str] = {
    "housing": "Z59.10",  # housing quality problems → inadequate housing, unspecified
    "food": "Z59.41",
    "transportation": "Z59.82",
    "utilities": "Z59.12",
    "safety": "Z91.419",
}
GOALS: dict[str, str] = {
    "housing": "Safe and stable housing",
    "food": "Food security",
    "transportation": "Reliable transportation to appointments and daily needs",
    "utilities": "Utilities kept on",
    "safety": "Personal safety",
}


class NotBillable(ValueError):
    pass


@dataclass(frozen=True)
class CodedNeed:
    domain: str
    icd10: str
    display: str
    goal: str


def billable(code: str) -> str:
    """The code's description when it is a billable ICD-10-CM code, else raise."""
    if not (icd.is_valid_item(code) and icd.is_leaf(code)):
        raise NotBillable(f"{code} is not a billable ICD-10-CM code")
    return str(icd.get_description(code))


def need_for(domain: str, answer_codes: list[str]) -> CodedNeed:
    code = next((ANSWER_CODES[a] for a in answer_codes if a in ANSWER_CODES
                 and _domain_of_answer(a) == domain), DOMAIN_CODES[domain])
    return CodedNeed(domain, code, billable(code), GOALS[domain])


def _domain_of_answer(code: str) -> str:
    return {"LA31995-6": "housing", "LA31994-9": "housing", "LA32002-0": "utilities"}[code]
