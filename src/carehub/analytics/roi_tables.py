"""The ROI result as a table and its method in words: `roi.csv`, the page's explanation
and the Definitions sheet of the downloads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from carehub.analytics.roi import MEASURES


def result_rows(result: Mapping[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The result as one table: a row per measure (groups, windows, DiD and interval)."""
    header = ["measure", "enrolled_baseline", "enrolled_follow_up", "comparison_baseline",
              "comparison_follow_up", "difference_in_differences", "ci95_low", "ci95_high"]
    rows: list[list[Any]] = []
    g = result["groups"]
    for measure in MEASURES:
        d = result["did"][measure]
        rows.append([measure, g["enrolled"]["baseline"][measure], g["enrolled"]["follow_up"][measure],
                     g["comparison"]["baseline"][measure], g["comparison"]["follow_up"][measure],
                     d["estimate"], d["low"], d["high"]])
    rows.append(["member_months", g["enrolled"]["baseline"]["member_months"],
                 g["enrolled"]["follow_up"]["member_months"],
                 g["comparison"]["baseline"]["member_months"],
                 g["comparison"]["follow_up"]["member_months"], "", "", ""])
    s = result["savings"]
    rows.append(["savings", "", "", "", "", s["estimate"], s["low"], s["high"]])
    if s.get("per_dollar"):
        p = s["per_dollar"]
        rows.append(["savings_per_dollar_paid", "", "", "", "", p["estimate"], p["low"], p["high"]])
    return header, rows


def method_in_words(result: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(term, meaning) pairs: the page's explanation and the export's Definitions sheet."""
    o, n = result["options"], result["counts"]
    return [
        ("Comparison group", f"{n['enrolled_matched']:,} enrolled members compared with "
         f"{n['comparison_matched']:,} eligible members not enrolled, matched on product, age "
         "band, county and baseline cost band (coarsened exact matching). "
         f"{n['strata_dropped']:,} strata without both groups were dropped "
         f"({n['enrolled_dropped_unmatched']:,} enrolled and "
         f"{n['comparison_dropped_unmatched']:,} comparison members)."),
        ("Windows", f"Baseline: the {o['baseline_months']} months before the month of "
         f"enrolment; follow-up: the {o['follow_up_months']} months after it. Comparison "
         "members use the median enrolment month of enrolled members of their product and "
         "county."),
        ("Weights", "Each comparison member weighs the stratum's enrolled count divided by its "
         "comparison count, so each stratum's comparison counts as many members as its "
         "enrolled."),
        ("Difference in differences", "(enrolled follow-up - baseline) - (comparison "
         "follow-up - baseline). A negative figure means the measure fell more (or rose less) "
         "for enrolled members."),
        ("95% interval", f"From {o['bootstrap']:,} bootstrap resamples of members within each "
         f"group (seed {o['seed']}): the middle 95% of the re-estimated differences. An "
         "interval that contains 0 means the data cannot tell the effect from chance."),
        ("Savings", "Minus the allowed PMPM difference in differences, times the enrolled "
         "members' follow-up member-months."),
        ("Savings per dollar paid", "Savings divided by what was paid to the hub and CBOs "
         "for the program."),
        ("ED visits per 1,000", "Distinct ED claims starting in the window x 12,000 / "
         "member-months."),
        ("Inpatient stays per 1,000", "Distinct inpatient claims discharged in the window x "
         "12,000 / member-months."),
        ("Allowed PMPM", "Allowed amounts by service date in the window / member-months "
         "(not truncated)."),
        ("Limits", "Matching balances only what it matches on; members who chose to enrol may "
         "differ in ways the claims do not show. Not a randomised comparison."),
    ]
