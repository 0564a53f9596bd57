"""Scoring of social-needs screening instruments, as pure functions.

Three instruments are defined: the CMS Accountable Health Communities Health-Related
Social Needs screening tool (core questions, LOINC panel 96777-8), the Hunger Vital Sign
(LOINC panel 88121-9) and PRAPARE's housing, food and transportation items (LOINC panel
93025-5). Answers are LOINC answer codes (``LA…``) keyed by the item's LOINC code.

The definitions below double as the form the referral pages render, so every item and
answer carries its English text and a Spanish text slot. Spanish wording has not been
sourced from an authoritative copy yet, so ``text_es`` is ``None`` everywhere and
``Instrument.spanish_verified`` is False; do not invent translations here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

DOMAINS: tuple[str, ...] = ("housing", "food", "transportation", "utilities", "safety")

# Where each code list was checked. The AHC HRSN item and answer codes were checked
# against the CMS tool as tabulated (question, answer display, answer code) in the
# NYeC SHIN-NY HRSN implementation guide; the PRAPARE ones against the HL7 SDOH Clinical
# Care 2.3.0 example Questionnaire (shared/fixtures/sdoh-clinicalcare).
SOURCE_AHC = (
    "CMS AHC HRSN Screening Tool (ahcm-screeningtool.pdf), LOINC panel 96777-8; codes as "
    "tabulated in the NYeC SHIN-NY HRSN implementation guide"
)
SOURCE_PRAPARE = "HL7 SDOH Clinical Care IG 2.3.0, Questionnaire SDOHCC-QuestionnairePRAPARE"
SOURCE_HVS = (
    "Hunger Vital Sign (Hager et al. 2010), LOINC panel 88121-9; items shared with AHC HRSN"
)


class ScreeningError(ValueError):
    """An answer sheet that cannot be scored (unknown item or answer code)."""


@dataclass(frozen=True)
class AnswerOption:
    code: str
    text_en: str
    positive: bool = False
    points: int | None = None  # only the safety items carry points
    text_es: str | None = None


@dataclass(frozen=True)
class Item:
    loinc: str
    number: int
    domain: str
    text_en: str
    options: tuple[AnswerOption, ...]
    multiple: bool = False  # "check all that apply"
    text_es: str | None = None

    def option(self, code: str) -> AnswerOption:
        for option in self.options:
            if option.code == code:
                return option
        allowed = ", ".join(o.code for o in self.options)
        raise ScreeningError(f"item {self.loinc}: answer {code!r} is not one of {allowed}")


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    panel_loinc: str
    items: tuple[Item, ...]
    source: str
    codes_verified: bool
    spanish_verified: bool = False

    def item(self, loinc: str) -> Item:
        for item in self.items:
            if item.loinc == loinc:
                return item
        raise ScreeningError(f"{self.code}: unknown item {loinc!r}")


@dataclass(frozen=True)
class ScreeningResult:
    instrument: str
    positive_domains: tuple[str, ...]
    safety_score: int | None = None
    unanswered: tuple[str, ...] = field(default=())  # item LOINCs
    # The domains of the unanswered items: unknown, never negative (DOMAINS order).
    unanswered_domains: tuple[str, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return not self.unanswered

    def as_dict(self) -> dict[str, object]:
        return {"positive_domains": list(self.positive_domains), "safety_score": self.safety_score,
                "complete": self.complete, "unanswered_domains": list(self.unanswered_domains)}


_OFTEN = AnswerOption("LA28397-0", "Often true", positive=True)
_SOMETIMES = AnswerOption("LA6729-3", "Sometimes true", positive=True)
_NEVER_TRUE = AnswerOption("LA28398-8", "Never true")
_FOOD_OPTIONS = (_OFTEN, _SOMETIMES, _NEVER_TRUE)

_SAFETY_OPTIONS = (
    AnswerOption("LA6270-8", "Never", points=1),
    AnswerOption("LA10066-1", "Rarely", points=2),
    AnswerOption("LA10082-8", "Sometimes", points=3),
    AnswerOption("LA16644-9", "Fairly often", points=4),
    AnswerOption("LA6482-9", "Frequently", points=5),
)
SAFETY_ITEMS: tuple[str, ...] = ("95618-5", "95617-7", "95616-9", "95615-1")
SAFETY_THRESHOLD = 11

FOOD_WORRIED = Item(
    "88122-7",
    3,
    "food",
    "Within the past 12 months, you worried that your food would run out before you got "
    "money to buy more.",
    _FOOD_OPTIONS,
)
FOOD_DID_NOT_LAST = Item(
    "88123-5",
    4,
    "food",
    "Within the past 12 months, the food you bought just didn't last and you didn't have "
    "money to get more.",
    _FOOD_OPTIONS,
)

AHC_HRSN = Instrument(
    code="ahc-hrsn",
    name="AHC Health-Related Social Needs Screening Tool (core questions)",
    panel_loinc="96777-8",
    source=SOURCE_AHC,
    codes_verified=True,
    items=(
        Item(
            "71802-3",
            1,
            "housing",
            "What is your living situation today?",
            (
                AnswerOption("LA31993-1", "I have a steady place to live"),
                AnswerOption(
                    "LA31994-9",
                    "I have a place to live today, but I am worried about losing it in the future",
                    positive=True,
                ),
                AnswerOption(
                    "LA31995-6",
                    "I do not have a steady place to live (I am temporarily staying with "
                    "others, in a hotel, in a shelter, living outside on the street, on a "
                    "beach, in a car, abandoned building, bus or train station, or in a park)",
                    positive=True,
                ),
            ),
        ),
        Item(
            "96778-6",
            2,
            "housing",
            "Think about the place you live. Do you have problems with any of the following?",
            (
                AnswerOption("LA31996-4", "Pests such as bugs, ants, or mice", positive=True),
                AnswerOption("LA28580-1", "Mold", positive=True),
                AnswerOption("LA31997-2", "Lead paint or pipes", positive=True),
                AnswerOption("LA31998-0", "Lack of heat", positive=True),
                AnswerOption("LA31999-8", "Oven or stove not working", positive=True),
                AnswerOption("LA32000-4", "Smoke detectors missing or not working", positive=True),
                AnswerOption("LA32001-2", "Water leaks", positive=True),
                AnswerOption("LA9-3", "None of the above"),
            ),
            multiple=True,
        ),
        FOOD_WORRIED,
        FOOD_DID_NOT_LAST,
        Item(
            "93030-5",
            5,
            "transportation",
            "In the past 12 months, has lack of reliable transportation kept you from medical "
            "appointments, meetings, work or from getting things needed for daily living?",
            (AnswerOption("LA33-6", "Yes", positive=True), AnswerOption("LA32-8", "No")),
        ),
        Item(
            "96779-4",
            6,
            "utilities",
            "In the past 12 months has the electric, gas, oil, or water company threatened to "
            "shut off services in your home?",
            (
                AnswerOption("LA33-6", "Yes", positive=True),
                AnswerOption("LA32-8", "No"),
                AnswerOption("LA32002-0", "Already shut off", positive=True),
            ),
        ),
        Item(
            "95618-5",
            7,
            "safety",
            "How often does anyone, including family and friends, physically hurt you?",
            _SAFETY_OPTIONS,
        ),
        Item(
            "95617-7",
            8,
            "safety",
            "How often does anyone, including family and friends, insult or talk down to you?",
            _SAFETY_OPTIONS,
        ),
        Item(
            "95616-9",
            9,
            "safety",
            "How often does anyone, including family and friends, threaten you with harm?",
            _SAFETY_OPTIONS,
        ),
        Item(
            "95615-1",
            10,
            "safety",
            "How often does anyone, including family and friends, scream or curse at you?",
            _SAFETY_OPTIONS,
        ),
    ),
)

HUNGER_VITAL_SIGN = Instrument(
    code="hvs",
    name="Hunger Vital Sign",
    panel_loinc="88121-9",
    source=SOURCE_HVS,
    codes_verified=True,
    items=(replace(FOOD_WORRIED, number=1), replace(FOOD_DID_NOT_LAST, number=2)),
)

_CHOOSE_NOT = AnswerOption("LA30122-8", "I choose not to answer this question")
PRAPARE_SOCIAL_NEEDS = Instrument(
    code="prapare",
    name="PRAPARE (housing, food and transportation items)",
    panel_loinc="93025-5",
    source=SOURCE_PRAPARE,
    codes_verified=True,
    items=(
        Item(
            "71802-3",
            1,
            "housing",
            "What is your housing situation today?",
            (
                AnswerOption("LA30189-7", "I have housing"),
                AnswerOption(
                    "LA30190-5",
                    "I do not have housing (staying with others, in a hotel, in a shelter, "
                    "living outside on the street, on a beach, in a car, or in a park)",
                    positive=True,
                ),
                _CHOOSE_NOT,
            ),
        ),
        Item(
            "93033-9",
            2,
            "housing",
            "Are you worried about losing your housing?",
            (
                AnswerOption("LA33-6", "Yes", positive=True),
                AnswerOption("LA32-8", "No"),
                _CHOOSE_NOT,
            ),
        ),
        Item(
            "93031-3",
            3,
            "food",
            "In the past year, have you or any family members you live with been unable to get "
            "any of the following when it was really needed? Check all that apply.",
            (
                # Only "Food" is a food need; the other material needs are outside this scope.
                AnswerOption("LA30125-1", "Food", positive=True),
                AnswerOption("LA30126-9", "Clothing"),
                AnswerOption("LA30124-4", "Utilities"),
                AnswerOption("LA30127-7", "Child care"),
                AnswerOption(
                    "LA30128-5",
                    "Medicine or Any Health Care (Medical, Dental, Mental Health, Vision)",
                ),
                AnswerOption("LA30129-3", "Phone"),
                AnswerOption("LA46-8", "Other"),
                _CHOOSE_NOT,
            ),
            multiple=True,
        ),
        Item(
            "93030-5",
            4,
            "transportation",
            "Has lack of transportation kept you from medical appointments, meetings, work, or "
            "from getting things needed for daily living?",
            (
                AnswerOption(
                    "LA30133-5",
                    "Yes, it has kept me from medical appointments or from getting my medications",
                    positive=True,
                ),
                AnswerOption(
                    "LA30134-3",
                    "Yes, it has kept me from non-medical meetings, appointments, work, or from "
                    "getting things that I need",
                    positive=True,
                ),
                AnswerOption("LA32-8", "No"),
                AnswerOption("LA30257-2", "Patient unable to respond"),
            ),
        ),
    ),
)

INSTRUMENTS: dict[str, Instrument] = {
    i.code: i for i in (AHC_HRSN, HUNGER_VITAL_SIGN, PRAPARE_SOCIAL_NEEDS)
}

Answers = Mapping[str, "str | Sequence[str] | None"]


def _answer_codes(item: Item, raw: str | Sequence[str] | None) -> list[str]:
    if raw is None:
        return []
    codes = [raw] if isinstance(raw, str) else list(raw)
    for code in codes:
        if not isinstance(code, str):
            raise ScreeningError(f"item {item.loinc}: answer {code!r} is not a LOINC answer code")
    if len(codes) > 1 and not item.multiple:
        raise ScreeningError(f"item {item.loinc}: takes one answer, got {len(codes)}")
    for code in codes:
        item.option(code)  # raises on an unknown code
    return codes


def score(instrument: Instrument, answers: Answers) -> ScreeningResult:
    """Score one answer sheet: positive domains in DOMAINS order and the safety score.

    An item left out or answered with null is unanswered; a domain is positive when any of
    its answered items has a positive answer. The safety score is the sum of the four
    safety items' points, and only when all four are answered (positive at 11 or more).
    """
    for loinc in answers:
        instrument.item(loinc)  # unknown items are an error, not silently ignored
    positive: set[str] = set()
    unanswered: list[str] = []
    points: dict[str, int] = {}
    for item in instrument.items:
        codes = _answer_codes(item, answers.get(item.loinc))
        if not codes:
            unanswered.append(item.loinc)
            continue
        options = [item.option(code) for code in codes]
        if item.domain == "safety":
            points[item.loinc] = sum(o.points or 0 for o in options)
        elif any(o.positive for o in options):
            positive.add(item.domain)
    safety_score: int | None = None
    if any(i.domain == "safety" for i in instrument.items) and all(
        loinc in points for loinc in SAFETY_ITEMS
    ):
        safety_score = sum(points[loinc] for loinc in SAFETY_ITEMS)
        if safety_score >= SAFETY_THRESHOLD:
            positive.add("safety")
    return ScreeningResult(
        instrument=instrument.code,
        positive_domains=tuple(d for d in DOMAINS if d in positive),
        safety_score=safety_score,
        unanswered=tuple(unanswered),
        unanswered_domains=tuple(
            d for d in DOMAINS if any(instrument.item(u).domain == d for u in unanswered)),
    )


def score_ahc_hrsn(answers: Answers) -> ScreeningResult:
    return score(AHC_HRSN, answers)


def score_hunger_vital_sign(answers: Answers) -> ScreeningResult:
    """Positive for food when either item is answered often or sometimes true."""
    return score(HUNGER_VITAL_SIGN, answers)


def score_prapare(answers: Answers) -> ScreeningResult:
    return score(PRAPARE_SOCIAL_NEEDS, answers)


def positive_answer_codes(instrument: Instrument) -> dict[str, frozenset[str]]:
    """Item LOINC -> its positive answer codes (safety items have none: they are summed)."""
    return {
        item.loinc: frozenset(o.code for o in item.options if o.positive)
        for item in instrument.items
        if item.domain != "safety"
    }
