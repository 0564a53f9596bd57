"""Analytics figures round through core money's one rule: half away from zero, at the
precision each figure is written with."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from carehub.analytics.cost import MonthFigures, PeriodCost
from carehub.analytics.eligibility import share
from carehub.analytics.measures import Rate


def test_measure_rates_are_percentages_to_two_decimals_half_up() -> None:
    assert Rate("all", "all", "food_screening", 32, 1).rate == "3.13"  # 3.125
    assert Rate("all", "all", "food_screening", 3, 2).rate == "66.67"
    assert Rate("all", "all", "food_screening", 0, 0).rate is None


def test_eligibility_shares_are_four_decimals_half_up() -> None:
    assert share(1, 32) == "0.0313"  # 0.03125
    assert share(1, 3) == "0.3333"
    assert share(0, 0) is None


def test_cost_figures_round_half_up_to_cents_and_tenths() -> None:
    month = MonthFigures(dt.date(2026, 1, 1), member_months=8, allowed_cents=1,
                         ed_visits=1, inpatient_stays=0).as_dict()
    assert month["allowed"] == "0.01"
    assert month["allowed_pmpm_untruncated"] == "0.00"  # 0.00125
    assert month["ed_per_1000"] == "1500.0"
    period = PeriodCost(dt.date(2026, 1, 1), dt.date(2026, 1, 31), members=16, member_months=16,
                        allowed_cents=8, truncation_point_cents=Fraction(1, 2),
                        truncated_cents=Fraction(8), ed_visits=1, inpatient_stays=0)
    figures = period.as_dict()
    assert figures["truncation_point"] == "0.01"  # half a cent goes up
    assert figures["allowed_pmpm"] == "0.01"  # 8 cents / 16 = 0.005
    assert figures["ed_per_1000"] == "750.0"
