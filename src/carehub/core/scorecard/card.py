"""A scorecard computed from one record per referral: counts, rates, goals and statuses.

`IN_DENOMINATOR` and `IN_NUMERATOR` say, per measure key, which records count; `compute`
and the drill-down (the members behind a figure) both use them, so the list of members
behind a figure always has as many rows as the figure's count.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from carehub.core.scorecard.measures import MEASURES, MEDIAN_DAYS, VOLUME, Measure
from carehub.core.scorecard.periods import Period

SMALL_CELL = 11
SUPPRESSED_TEXT = f"<{SMALL_CELL}"

MET = "met"
NEAR = "near"
MISSED = "missed"
OVER = "over"  # volume above the contract's maximum
NO_GOAL = "no_goal"
NO_DATA = "no_data"
SUPPRESSED = "suppressed"
STATUS_WORDS = {MET: "Met", NEAR: "Near", MISSED: "Missed", OVER: "Over the maximum",
                NO_GOAL: "No goal", NO_DATA: "No data", SUPPRESSED: "Suppressed"}
# Colours go with the words, never instead of them.
STATUS_COLOURS = {MET: "#1b7f3b", NEAR: "#b26a00", MISSED: "#b3261e", OVER: "#b26a00",
                  NO_GOAL: "#5f6368", NO_DATA: "#5f6368", SUPPRESSED: "#5f6368"}

DEFAULT_MARGIN = Decimal("2.00")
DEFAULT_SUBMISSION_DAYS = 5
AGE_BANDS = ((0, 17, "0-17"), (18, 34, "18-34"), (35, 49, "35-49"), (50, 64, "50-64"),
             (65, 74, "65-74"), (75, 200, "75+"))
DIMENSIONS = ("race", "ethnicity", "language", "county", "age_band", "product")


@dataclass(frozen=True, slots=True)
class ReferralRecord:
    """What the scorecard needs to know about one referral, already read and decided."""

    referral_id: int
    member_id: int
    cbo_id: int
    assigned_on: date
    outreached: bool = False
    contacted: bool = False
    accepted: bool = False
    completed: bool = False
    # Initiation: where the service's timing starts (referral or discharge day), its hours
    # (None: the contract sets none), and the day of the first service delivered.
    timing_start: date | None = None
    timing_hours: int | None = None
    first_service_on: date | None = None
    screening_complete: bool = False
    services_recorded: int = 0
    # The largest number of days between a service's day and its recording.
    max_recording_lag_days: int | None = None
    needs: int = 0
    needs_met: int = 0
    dims: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Goals:
    """A contract's goals as read from its scope of work (percent Decimals or None)."""

    outreach_goal: Decimal | None = None
    contact_goal: Decimal | None = None
    support_goal: Decimal | None = None
    initiation_goal: Decimal | None = None
    documentation_goal: Decimal | None = None
    data_on_time_goal: Decimal | None = None
    completion_goal: Decimal | None = None
    margin_points: Decimal = DEFAULT_MARGIN
    data_submission_days: int = DEFAULT_SUBMISSION_DAYS
    min_volume: int | None = None
    max_volume: int | None = None
    volume_period: str = "month"  # month | year | term

    def goal(self, m: Measure) -> Decimal | None:
        return getattr(self, m.goal_field) if m.goal_field else None


def within_timing(record: ReferralRecord) -> bool:
    """First service on or before the timing's start plus its hours, in whole days
    (48 hours from a referral made on the 1st: by the 3rd)."""
    if record.first_service_on is None or record.timing_start is None:
        return False
    assert record.timing_hours is not None
    allowed = timedelta(days=math.ceil(record.timing_hours / 24))
    return record.first_service_on <= record.timing_start + allowed


def _on_time(record: ReferralRecord, goals: Goals) -> bool:
    return (record.services_recorded > 0 and record.max_recording_lag_days is not None
            and record.max_recording_lag_days <= goals.data_submission_days)


Predicate = Callable[[ReferralRecord, Goals], bool]

IN_DENOMINATOR: dict[str, Predicate] = {
    "assigned": lambda r, g: True,
    "outreach_rate": lambda r, g: True,
    "contact_rate": lambda r, g: r.outreached,
    "support_rate": lambda r, g: r.outreached and r.contacted,
    "initiation": lambda r, g: r.outreached and r.contacted and r.accepted
    and r.timing_hours is not None,
    "documentation": lambda r, g: r.outreached and r.contacted and r.accepted,
    "data_on_time": lambda r, g: r.services_recorded > 0,
    "volume": lambda r, g: True,
    "completion_rate": lambda r, g: r.outreached and r.contacted and r.accepted,
    "needs_met": lambda r, g: r.needs > 0,
}
IN_NUMERATOR: dict[str, Predicate] = {
    "assigned": lambda r, g: True,
    "outreach_rate": lambda r, g: r.outreached,
    "contact_rate": lambda r, g: r.outreached and r.contacted,
    "support_rate": lambda r, g: r.outreached and r.contacted and r.accepted,
    "initiation": lambda r, g: IN_DENOMINATOR["initiation"](r, g) and within_timing(r),
    "documentation": lambda r, g: IN_DENOMINATOR["documentation"](r, g)
    and r.screening_complete,
    "data_on_time": lambda r, g: _on_time(r, g),
    "volume": lambda r, g: True,
    "completion_rate": lambda r, g: IN_DENOMINATOR["completion_rate"](r, g) and r.completed,
    "needs_met": lambda r, g: r.needs > 0 and r.needs_met > 0,
}
STAGES = ("numerator", "denominator", "gap")  # gap: in the denominator, not the numerator


def behind(records: Iterable[ReferralRecord], key: str, stage: str,
           goals: Goals) -> list[ReferralRecord]:
    """The records behind a figure: its numerator, its denominator, or the gap between."""
    if stage not in STAGES:
        raise ValueError(f"stage {stage!r} is not one of {', '.join(STAGES)}")
    den, num = IN_DENOMINATOR[key], IN_NUMERATOR[key]
    if stage == "numerator":
        return [r for r in records if num(r, goals)]
    if stage == "denominator":
        return [r for r in records if den(r, goals)]
    return [r for r in records if den(r, goals) and not num(r, goals)]


def whole_percent(rate: Fraction) -> int:
    """A rate as a whole percent, half-up: 1642/2069 → 79, 420/866 → 48."""
    return int((Decimal(rate.numerator * 100) / Decimal(rate.denominator))
               .quantize(Decimal(1), rounding=ROUND_HALF_UP))


def rate_status(rate: Fraction | None, goal: Decimal | None, margin: Decimal) -> str:
    """By the exact rate: met at or above the goal, near within `margin` points below it,
    missed further below."""
    if goal is None:
        return NO_GOAL
    if rate is None:
        return NO_DATA
    percent = rate * 100
    if percent >= Fraction(goal):
        return MET
    if percent >= Fraction(goal) - Fraction(margin):
        return NEAR
    return MISSED


def volume_range(goals: Goals, period: Period) -> tuple[Fraction | None, Fraction | None]:
    """The contract's volume range scaled to the period; (None, None) when it sets none or
    counts over the whole term (not comparable with a part of it)."""
    if goals.volume_period == "term":
        return None, None
    scale = period.months if goals.volume_period == "month" else period.months / 12
    low = None if goals.min_volume is None else goals.min_volume * scale
    high = None if goals.max_volume is None else goals.max_volume * scale
    return low, high


def volume_status(count: int, low: Fraction | None, high: Fraction | None) -> str:
    if low is None and high is None:
        return NO_GOAL
    if low is not None and count < low:
        return MISSED
    if high is not None and count > high:
        return OVER
    return MET


def median(values: list[int]) -> Decimal | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return Decimal(ordered[mid])
    return (Decimal(ordered[mid - 1] + ordered[mid]) / 2).quantize(Decimal("0.1"))


def age_band(birth: date | None, on: date) -> str:
    if birth is None:
        return "Unknown"
    years = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    for low, high, label in AGE_BANDS:
        if low <= years <= high:
            return label
    return "Unknown"


def small(count: int | None) -> bool:
    return count is not None and 0 < count < SMALL_CELL


@dataclass(frozen=True, slots=True)
class Figure:
    measure: Measure
    numerator: int | None
    denominator: int | None
    rate: Fraction | None  # exact; None when there is no denominator or it is suppressed
    value: Decimal | None  # median days for initiation, the count for volume
    goal: Decimal | None
    status: str
    suppressed: bool = False
    # Volume only: the range scaled to the period, as whole referrals for display.
    goal_low: Decimal | None = None
    goal_high: Decimal | None = None

    @property
    def percent(self) -> int | None:
        return None if self.rate is None else whole_percent(self.rate)

    @property
    def rate_text(self) -> str:
        if self.suppressed:
            return ""
        return "" if self.percent is None else f"{self.percent}%"

    @property
    def goal_text(self) -> str:
        if self.measure.kind == VOLUME:
            if self.goal_low is None and self.goal_high is None:
                return ""
            low = "" if self.goal_low is None else f"{self.goal_low:,}"
            high = "" if self.goal_high is None else f"{self.goal_high:,}"
            return f"{low}–{high}" if low and high else (f"≥ {low}" if low else f"≤ {high}")
        return "" if self.goal is None else f"{self.goal.normalize():f}%"

    def count_text(self, count: int | None) -> str:
        if count is None:
            return ""
        return SUPPRESSED_TEXT if self.suppressed and small(count) else f"{count:,}"

    @property
    def numerator_text(self) -> str:
        return self.count_text(self.numerator)

    @property
    def denominator_text(self) -> str:
        return self.count_text(self.denominator)

    @property
    def value_text(self) -> str:
        if self.value is None or self.suppressed:
            return ""
        if self.measure.kind == MEDIAN_DAYS:
            return f"{self.value.normalize():f} days"
        return f"{self.value:,}"

    @property
    def status_word(self) -> str:
        return STATUS_WORDS[self.status]

    @property
    def colour(self) -> str:
        return STATUS_COLOURS[self.status]


@dataclass(frozen=True, slots=True)
class Card:
    contract_code: str
    period: Period
    figures: tuple[Figure, ...]
    as_of: datetime | date
    shared: bool = False
    label: str = ""  # what the card is of, when not the whole contract ("Alpha Pantry")

    def figure(self, key: str) -> Figure:
        for f in self.figures:
            if f.measure.key == key:
                return f
        raise KeyError(f"the card has no figure {key!r}")


def _figure(m: Measure, cohort: list[ReferralRecord], period: Period, goals: Goals,
            shared: bool) -> Figure:
    den = IN_DENOMINATOR[m.key]
    num = IN_NUMERATOR[m.key]
    denominator = sum(1 for r in cohort if den(r, goals))
    numerator = sum(1 for r in cohort if num(r, goals))
    goal = goals.goal(m)
    if m.kind == VOLUME:
        low, high = volume_range(goals, period)
        whole = Decimal(1)
        return Figure(
            m, numerator, None, None, Decimal(numerator), None,
            volume_status(numerator, low, high), shared and small(numerator),
            goal_low=None if low is None else Decimal(math.ceil(low)).quantize(whole),
            goal_high=None if high is None else Decimal(math.floor(high)).quantize(whole))
    if not m.denominator:  # a plain count
        suppressed = shared and small(numerator)
        return Figure(m, numerator, None, None, Decimal(numerator), None, NO_GOAL, suppressed)
    value = None
    if m.kind == MEDIAN_DAYS:
        value = median([(r.first_service_on - r.timing_start).days for r in cohort
                        if den(r, goals) and r.first_service_on and r.timing_start])
    if shared and (small(numerator) or small(denominator)):
        return Figure(m, numerator, denominator, None, None, goal, SUPPRESSED, True)
    rate = Fraction(numerator, denominator) if denominator else None
    return Figure(m, numerator, denominator, rate, value, goal,
                  rate_status(rate, goal, goals.margin_points))


def compute(records: Iterable[ReferralRecord], period: Period, goals: Goals, *,
            contract_code: str, as_of: datetime | date, shared: bool = False,
            label: str = "") -> Card:
    """The card of the referrals assigned in `period` among `records` (records outside
    the period are ignored, so one read can serve a whole trend)."""
    cohort = [r for r in records if period.contains(r.assigned_on)]
    figures = tuple(_figure(m, cohort, period, goals, shared) for m in MEASURES)
    return Card(contract_code, period, figures, as_of, shared, label)
