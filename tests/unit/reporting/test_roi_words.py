"""The ROI page's words: each estimate with its interval, and whether the interval
contains 0 said in words."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from carehub.analytics import roi
from carehub.analytics.roi import MemberFigures, RoiOptions
from carehub.reporting.views.roi import present


def member(member_id: str, enrolled: bool, ed: tuple[int, int], cents: tuple[int, int]) -> MemberFigures:
    m = MemberFigures(member_id, enrolled, dt.date(2025, 7, 1), "dsnp", "Erie", "65-74", "low")
    m.values = {"mm_b": 6, "mm_f": 6, "ed_b": ed[0], "ed_f": ed[1], "ip_b": 0, "ip_f": 0,
                "cents_b": cents[0], "cents_f": cents[1]}
    return m


def test_a_clear_effect_and_no_effect_in_words() -> None:
    # every enrolled member the same (ED 2 -> 1, $600 -> $360 over 6 months), every
    # comparison member flat: the interval is the point itself
    members = [member(f"T{i}", True, (2, 1), (60000, 36000)) for i in range(5)]
    members += [member(f"C{i}", False, (1, 1), (60000, 60000)) for i in range(10)]
    result = roi.estimate(members, RoiOptions(bootstrap=100))
    roi.with_paid(result["savings"], Decimal("1000"))
    shown = present(result)
    ed, inpatient, pmpm = (row["words"] for row in shown["rows"])
    assert ed == ("From baseline to follow-up, the change in enrolled members' ED visits per "
                  "1,000 member-years was 2,000.0 lower than the comparison group's (difference "
                  "in differences -2,000.0; 95% interval -2,000.0 to -2,000.0). The interval "
                  "does not contain 0.")
    assert pmpm.startswith("From baseline to follow-up, the change in enrolled members' allowed "
                           "cost per member per month was $40.00 lower than")
    assert inpatient.endswith("was the same as the comparison group's (difference in "
                              "differences 0.0; 95% interval 0.0 to 0.0). The interval contains "
                              "0: these data cannot tell this difference from chance.")
    # savings: $40 x 30 follow-up member-months
    assert shown["savings_shown"] == {"estimate": "$1,200.00", "low": "$1,200.00",
                                      "high": "$1,200.00"}
    assert shown["per_dollar"] == {"estimate": "$1.20", "low": "$1.20", "high": "$1.20"}
    assert "$2.36" in shown["context"]
