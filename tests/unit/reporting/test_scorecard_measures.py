"""One test per measure definition, on hand-made referral records: which referrals each
figure counts, its rate, goal and status; plus statuses, rounding and suppression."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from carehub.core.scorecard.card import (
    Goals,
    ReferralRecord,
    behind,
    compute,
    rate_status,
    whole_percent,
)
from carehub.core.scorecard.measures import MEASURES, definitions, measure
from carehub.core.scorecard.periods import parse_period

MARCH = parse_period("2026-03")
DAY = date(2026, 3, 5)


def rec(i: int, **kw) -> ReferralRecord:  # type: ignore[no-untyped-def]
    kw.setdefault("assigned_on", DAY)
    return ReferralRecord(referral_id=i, member_id=i, cbo_id=1, **kw)


def card(records, goals=None, shared=False):  # type: ignore[no-untyped-def]
    return compute(records, MARCH, goals or Goals(), contract_code="T", as_of=DAY,
                   shared=shared)


def test_every_measure_is_defined_once_with_words() -> None:
    keys = [m.key for m in MEASURES]
    assert len(keys) == len(set(keys))
    for required in ("assigned", "outreach_rate", "contact_rate", "support_rate",
                     "initiation", "documentation", "data_on_time", "volume",
                     "completion_rate", "needs_met"):
        assert measure(required).definition
    terms = dict(definitions())
    assert "assigned in" in terms["Cohort"]
    assert "Numerator: Outreached" in terms["Outreach rate"]


def test_assigned_counts_the_periods_cohort_only() -> None:
    c = card([rec(1), rec(2), rec(3, assigned_on=date(2026, 2, 28)),
              rec(4, assigned_on=date(2026, 4, 1))])
    assert c.figure("assigned").numerator == 2


def test_outreach_rate_counts_an_attempt_or_moving_past_assigned() -> None:
    # The selector marks a referral outreached for an attempt or a later state.
    c = card([rec(1, outreached=True), rec(2, outreached=True, contacted=True), rec(3),
              rec(4)], Goals(outreach_goal=Decimal("50")))
    f = c.figure("outreach_rate")
    assert (f.numerator, f.denominator, f.rate_text, f.status) == (2, 4, "50%", "met")


def test_contact_rate_is_contacted_over_outreached() -> None:
    c = card([rec(1, outreached=True, contacted=True), rec(2, outreached=True),
              rec(3, outreached=True), rec(4)], Goals(contact_goal=Decimal("40")))
    f = c.figure("contact_rate")
    assert (f.numerator, f.denominator, f.rate_text, f.status) == (1, 3, "33%", "missed")


def test_support_rate_is_accepted_over_contacted() -> None:
    full = {"outreached": True, "contacted": True}
    c = card([rec(1, accepted=True, **full), rec(2, **full), rec(3, outreached=True)],
             Goals(support_goal=Decimal("51")))
    f = c.figure("support_rate")
    assert (f.numerator, f.denominator, f.rate_text, f.status) == (1, 2, "50%", "near")


def test_initiation_median_days_and_share_within_the_timing() -> None:
    ok = {"outreached": True, "contacted": True, "accepted": True, "timing_hours": 48,
          "timing_start": DAY}
    c = card([rec(1, first_service_on=date(2026, 3, 6), **ok),   # 1 day: within
              rec(2, first_service_on=date(2026, 3, 7), **ok),   # 2 days: within 48 h
              rec(3, first_service_on=date(2026, 3, 10), **ok),  # 5 days: late
              rec(4, **ok),                                       # not started: not within
              rec(5, outreached=True, contacted=True, accepted=True)],  # no timing
             Goals(initiation_goal=Decimal("75")))
    f = c.figure("initiation")
    assert (f.numerator, f.denominator, f.rate_text, f.status) == (2, 4, "50%", "missed")
    assert f.value == Decimal("2") and f.value_text == "2 days"


def test_documentation_is_accepted_with_a_complete_screening() -> None:
    ok = {"outreached": True, "contacted": True, "accepted": True}
    c = card([rec(1, screening_complete=True, **ok), rec(2, **ok),
              rec(3, screening_complete=True, outreached=True, contacted=True)],
             Goals(documentation_goal=Decimal("50")))
    f = c.figure("documentation")
    assert (f.numerator, f.denominator, f.rate_text, f.status) == (1, 2, "50%", "met")


def test_data_on_time_uses_the_contracts_submission_days() -> None:
    rows = [rec(1, services_recorded=3, max_recording_lag_days=2),
            rec(2, services_recorded=1, max_recording_lag_days=6),
            rec(3, services_recorded=2, max_recording_lag_days=5), rec(4)]
    f = card(rows, Goals(data_on_time_goal=Decimal("90"))).figure("data_on_time")
    assert (f.numerator, f.denominator, f.rate_text, f.status) == (2, 3, "67%", "missed")
    strict = card(rows, Goals(data_submission_days=2)).figure("data_on_time")
    assert (strict.numerator, strict.denominator) == (1, 3)


def test_volume_against_the_range_scaled_to_the_period() -> None:
    rows = [rec(i) for i in range(12)]
    month = card(rows, Goals(min_volume=10, max_volume=11)).figure("volume")
    assert (month.value, month.status, month.goal_text) == (Decimal(12), "over", "10–11")
    assert card(rows, Goals(min_volume=13)).figure("volume").status == "missed"
    quarter = compute(rows, parse_period("2026-Q1"), Goals(min_volume=4, max_volume=5),
                      contract_code="T", as_of=DAY).figure("volume")
    assert (quarter.status, quarter.goal_text) == ("met", "12–15")
    yearly = card(rows, Goals(min_volume=120, volume_period="year")).figure("volume")
    assert yearly.status == "met"
    assert card(rows, Goals(min_volume=1, volume_period="term")).figure("volume").status \
        == "no_goal"


def test_completion_rate_is_completed_over_accepted() -> None:
    ok = {"outreached": True, "contacted": True, "accepted": True}
    c = card([rec(1, completed=True, **ok), rec(2, **ok), rec(3, **ok), rec(4, **ok)],
             Goals(completion_goal=Decimal("25")))
    f = c.figure("completion_rate")
    assert (f.numerator, f.denominator, f.rate_text, f.status) == (1, 4, "25%", "met")


def test_needs_met_counts_members_with_a_need_met() -> None:
    c = card([rec(1, needs=2, needs_met=1), rec(2, needs=1), rec(3)])
    f = c.figure("needs_met")
    assert (f.numerator, f.denominator, f.rate_text, f.status) == (1, 2, "50%", "no_goal")


def test_statuses_use_the_exact_rate_not_the_rounded_one() -> None:
    # 79.5% shows as 80% but is below an 80% goal: near, not met.
    assert whole_percent(Fraction(159, 200)) == 80
    assert rate_status(Fraction(159, 200), Decimal("80"), Decimal("2")) == "near"
    assert rate_status(Fraction(78, 100), Decimal("80"), Decimal("2")) == "near"
    assert rate_status(Fraction(7799, 10000), Decimal("80"), Decimal("2")) == "missed"
    assert rate_status(None, Decimal("80"), Decimal("2")) == "no_data"
    assert rate_status(Fraction(1, 2), None, Decimal("2")) == "no_goal"


def test_rates_round_half_up_to_whole_percents() -> None:
    assert [whole_percent(Fraction(a, b)) for a, b in
            ((1642, 2069), (866, 1642), (420, 866), (1, 8), (3, 8))] == [79, 53, 48, 13, 38]


def test_shared_cards_hide_counts_under_eleven_and_their_rates() -> None:
    rows = [rec(i, outreached=i < 5) for i in range(30)]
    shared = card(rows, Goals(outreach_goal=Decimal("80")), shared=True)
    f = shared.figure("outreach_rate")
    assert f.suppressed and f.rate is None and f.rate_text == ""
    assert (f.numerator_text, f.denominator_text, f.status) == ("<11", "30", "suppressed")
    inside = card(rows, Goals(outreach_goal=Decimal("80"))).figure("outreach_rate")
    assert (inside.numerator_text, inside.rate_text) == ("5", "17%")
    # Zero is not a small cell: nothing to pick anyone out of.
    none = card([rec(i) for i in range(12)], shared=True).figure("outreach_rate")
    assert (none.numerator_text, none.suppressed) == ("0", False)


def test_the_members_behind_a_figure_match_its_counts() -> None:
    rows = [rec(1, outreached=True, contacted=True), rec(2, outreached=True), rec(3)]
    goals = Goals()
    assert [r.referral_id for r in behind(rows, "contact_rate", "numerator", goals)] == [1]
    assert [r.referral_id for r in behind(rows, "contact_rate", "denominator", goals)] == [1, 2]
    assert [r.referral_id for r in behind(rows, "contact_rate", "gap", goals)] == [2]
    with pytest.raises(ValueError, match="stage"):
        behind(rows, "contact_rate", "everyone", goals)
