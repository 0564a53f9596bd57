"""Every scorecard measure, defined once. The words here are what the definitions page,
the meeting pack, the command line and the Excel "Definitions" sheet show; `card.compute`
counts by the same keys, so a figure means the same thing everywhere.

The cohort rule: a period's cohort is the referrals ASSIGNED in the period (the day the
referral was made and given to an organisation), whatever happened to them later. Each
rate's numerator is a subset of its denominator, so the rates chain: assigned, then
outreached, then contacted, then accepted support.
"""

from __future__ import annotations

from dataclasses import dataclass

COUNT = "count"  # a number of referrals, no rate
RATE = "rate"  # numerator ÷ denominator, in whole percent
MEDIAN_DAYS = "median_days"  # a median number of days, with a share within the timing
VOLUME = "volume"  # a count against the contract's minimum and maximum

COHORT_RULE = (
    "The cohort of a period is the referrals assigned in it: made and given to an "
    "organisation between the period's first and last day. Later milestones (outreach, "
    "contact, support, services, completion) count for that cohort whenever they happen, "
    "so a month's figures can still rise after the month ends."
)

SUPPRESSION_RULE = (
    "In views shared beyond the organisations that hold the members' records, a count "
    "from 1 to 10 is shown as \"<11\" and its rate is left out, as public reporting does, "
    "so no member can be picked out of a small group."
)

STATUS_RULE = (
    "Met: the rate is at or above its goal. Near: below the goal by no more than the "
    "contract's margin (2 percentage points unless the scope of work says otherwise). "
    "Missed: further below. Statuses use the exact rate, not the rounded percent shown."
)


@dataclass(frozen=True, slots=True)
class Measure:
    key: str
    name: str
    numerator: str  # what is counted on top, in words ("" when it is a single count)
    denominator: str  # what it is divided by, in words
    definition: str
    goal_field: str | None  # the Contract field holding its goal, if any
    kind: str


MEASURES: tuple[Measure, ...] = (
    Measure(
        "assigned", "Referrals assigned",
        "Referrals assigned in the period", "",
        "The period's cohort: every referral made and given to an organisation between the "
        "period's first and last day, whatever its state now.",
        None, COUNT),
    Measure(
        "outreach_rate", "Outreach rate",
        "Outreached: cohort referrals with at least one outreach attempt recorded, or moved "
        "past the assigned state",
        "Assigned: the period's cohort",
        "The share of the members assigned that the delivering organisation tried to "
        "reach (outreached ÷ assigned).",
        "outreach_goal", RATE),
    Measure(
        "contact_rate", "Contact rate",
        "Contacted: outreached referrals that reached the contacted state or beyond "
        "(screened, accepted, declined, enrolled, in service, completed); a referral closed "
        "before contact does not count",
        "Outreached",
        "The share of the members tried who were actually reached (contacted ÷ "
        "outreached).",
        "contact_goal", RATE),
    Measure(
        "support_rate", "Support-provided rate",
        "Accepted: contacted referrals that reached the accepted state or beyond (enrolled, "
        "in service, completed)",
        "Contacted",
        "The share of the members reached who accepted support (accepted ÷ contacted).",
        "support_goal", RATE),
    Measure(
        "initiation", "Time to initiate service",
        "Accepted referrals whose first service was delivered within the service's timing "
        "(the contract's hours from referral or from discharge, counted in whole days)",
        "Accepted referrals of a service with a timing in the contract",
        "The median number of days from the timing's start (referral, or discharge when the "
        "service is timed from discharge) to the first service delivered, over the accepted "
        "referrals that have one; and the share initiated within the contract's timing.",
        "initiation_goal", MEDIAN_DAYS),
    Measure(
        "documentation", "Documentation completeness",
        "Accepted referrals with a complete social-needs screening recorded (every question "
        "answered)",
        "Accepted",
        "The share of members who accepted support whose screening is on record and "
        "complete, so their needs are documented.",
        "documentation_goal", RATE),
    Measure(
        "data_on_time", "Data submitted on time",
        "Referrals whose every service delivery was recorded within the contract's data "
        "submission days of the day it was delivered",
        "Cohort referrals with at least one service delivery recorded",
        "The share of members served whose service records all arrived on time (the scope "
        "of work's data submission days, 5 unless it says otherwise).",
        "data_on_time_goal", RATE),
    Measure(
        "volume", "Referral volume",
        "Referrals assigned in the period", "",
        "The period's cohort against the contract's minimum and maximum volume, scaled to "
        "the period's length (a monthly range times the period's months; a yearly range "
        "times months ÷ 12). Met: within the range; missed: below the minimum; over: above "
        "the maximum.",
        None, VOLUME),
    Measure(
        "completion_rate", "Completion rate",
        "Accepted referrals that reached completed",
        "Accepted",
        "The share of members who accepted support whose service was completed.",
        "completion_goal", RATE),
    Measure(
        "needs_met", "Needs met",
        "Cohort referrals whose member has at least one coded social need marked met",
        "Cohort referrals whose member has at least one coded social need",
        "An outcome: of the members with a documented need, the share with a need met.",
        None, RATE),
)

# Shown on the card under "Data submitted on time"; counted from the file exchange's
# delivery facts (one per data set and period), not from referrals, so it is not one of
# the card's referral measures above.
FILE_DELIVERIES = Measure(
    "file_deliveries", "File deliveries on time",
    "Data set files that arrived (inbound) or were sent (outbound) on or before their due "
    "day",
    "Data set files due for periods starting in the period (each data set of the "
    "contract's scope of work, once per daily, weekly or monthly period)",
    "The share of the files the contract's data sets call for that were delivered by "
    "their due day: the period's end plus the data set's due days. A file that never "
    "came counts as not on time.",
    None, COUNT)

_BY_KEY = {m.key: m for m in MEASURES}
RATE_KEYS = tuple(m.key for m in MEASURES if m.kind in (RATE, MEDIAN_DAYS))


def measure(key: str) -> Measure:
    """The measure called `key`; KeyError naming the known keys otherwise."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown measure {key!r}; measures are {', '.join(_BY_KEY)}") from None


def definitions() -> list[tuple[str, str]]:
    """(term, meaning) pairs for an export's Definitions sheet: every measure, its
    numerator and denominator, then the cohort, status and suppression rules."""
    rows: list[tuple[str, str]] = []
    for m in MEASURES:
        text = m.definition
        if m.numerator and m.denominator:
            text += f" Numerator: {m.numerator}. Denominator: {m.denominator}."
        rows.append((m.name, text))
    rows.append((FILE_DELIVERIES.name, f"{FILE_DELIVERIES.definition} Numerator: "
                 f"{FILE_DELIVERIES.numerator}. Denominator: {FILE_DELIVERIES.denominator}."))
    rows += [("Cohort", COHORT_RULE), ("Status", STATUS_RULE),
             ("Suppression", SUPPRESSION_RULE)]
    return rows
