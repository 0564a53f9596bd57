"""The readiness assessment, defined once: its domains, their questions, how answers score
and which words a score earns. Pages, exports, the demo and the tests all read this.

Each question is answered 0 (not in place), 1 (partly) or 2 (in place). A domain's score
is its points over the most it could have, as a whole percent (half up); the overall
score is every point over every question's most, so each question weighs the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ANSWERS = ((0, "Not in place"), (1, "Partly"), (2, "In place"))
MOST = 2

# Level words and the lowest percent that earns each, highest first.
READY = "ready"
WITH_SUPPORT = "ready with support"
NOT_YET = "not yet"
THRESHOLDS: tuple[tuple[int, str], ...] = ((80, READY), (50, WITH_SUPPORT), (0, NOT_YET))
THRESHOLDS_TEXT = ("ready: 80% or more; ready with support: 50% to 79%; "
                   "not yet: below 50%")


@dataclass(frozen=True)
class Question:
    key: str
    text: str


@dataclass(frozen=True)
class Domain:
    key: str
    label: str
    questions: tuple[Question, ...]


DOMAINS: tuple[Domain, ...] = (
    Domain("billing", "Billing", (
        Question("billed_plan_before", "Has submitted claims or invoices to a health plan before"),
        Question("has_npi", "Has an NPI or payer-assigned id"),
        Question("tracks_units", "Records services and units in a way a bill can be built from"),
    )),
    Domain("data", "Data and technology", (
        Question("platform_trained", "Staff trained on the referral platform"),
        Question("records_on_time", "Records services within the days the contract allows"),
        Question("secure_devices", "Staff use managed, encrypted devices for member data"),
    )),
    Domain("privacy", "Privacy and HIPAA", (
        Question("privacy_officer", "Has a HIPAA privacy officer"),
        Question("baa_reviewed", "BAA template reviewed"),
        Question("privacy_training", "Staff complete privacy training every year"),
    )),
    Domain("staffing", "Staffing", (
        Question("staff_in_post", "Enough staff in post for the contracted volume"),
        Question("supervision", "Frontline staff have a named supervisor"),
        Question("credentials_tracked", "Staff credentials and background checks are tracked"),
    )),
    Domain("finance", "Finance", (
        Question("audited_statements", "Audited financial statements"),
        Question("cash_flow", "Cash flow covers 60 days of delivery before payment"),
        Question("cost_allocation", "Costs of the program are tracked apart from other work"),
    )),
    Domain("governance", "Governance", (
        Question("board_oversight", "Board oversight of contracts"),
        Question("signing_authority", "Named signing authority for contracts"),
        Question("complaints_process", "A written complaints and escalation process"),
    )),
)
DOMAIN_KEYS = tuple(d.key for d in DOMAINS)
BY_KEY: dict[str, Domain] = {d.key: d for d in DOMAINS}
QUESTION_DOMAIN: dict[str, str] = {q.key: d.key for d in DOMAINS for q in d.questions}
# The domains that decide whether a CBO can bill member-level claims.
CLAIMS_DOMAINS = ("billing", "data")


def percent(points: int, most: int) -> int:
    """Points over the most possible as a whole percent, half up."""
    if most <= 0:
        return 0
    value = (Decimal(points) * 100 / Decimal(most)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(value)


def level(score: int) -> str:
    for lowest, word in THRESHOLDS:
        if score >= lowest:
            return word
    return NOT_YET


@dataclass(frozen=True)
class Scores:
    by_domain: dict[str, int]
    overall: int

    def level(self, domain: str | None = None) -> str:
        return level(self.overall if domain is None else self.by_domain[domain])


def score(answers: Mapping[str, int]) -> Scores:
    """Scores of a complete set of answers (question key -> 0, 1 or 2). A missing or
    unknown question, or an answer outside 0-2, is a ValueError naming it."""
    unknown = sorted(set(answers) - set(QUESTION_DOMAIN))
    if unknown:
        raise ValueError(f"unknown question {unknown[0]!r}")
    by_domain: dict[str, int] = {}
    total = 0
    for domain in DOMAINS:
        points = 0
        for question in domain.questions:
            if question.key not in answers:
                raise ValueError(f"{domain.label}: no answer to {question.text!r}")
            value = answers[question.key]
            if value not in (0, 1, 2):
                raise ValueError(f"{domain.label}: {question.text!r} must be 0, 1 or 2, "
                                 f"got {value!r}")
            points += value
        by_domain[domain.key] = percent(points, MOST * len(domain.questions))
        total += points
    most = MOST * sum(len(d.questions) for d in DOMAINS)
    return Scores(by_domain, percent(total, most))
