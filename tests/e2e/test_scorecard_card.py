"""The scorecard page in a browser, at phone and desk widths: the card with statuses in
words, the charts drawn without script or style (the page fixture fails on any CSP
violation), a trend and a split picked by link, the period picker, and nothing scrolling
sideways; axe-core checks every page visited."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.e2e.conftest import (
    BOTH_WIDTHS,
    check_accessibility,
    fits_the_screen,
    shot,
    sign_in_verified,
    visit,
)
from tests.integration.conftest import accepted_contract
from tests.integration.reporting.scorecard_world import make_members, make_referrals, refresh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@BOTH_WIDTHS
def test_a_hub_reads_the_scorecard(page, tenant, viewport) -> None:  # type: ignore[no-untyped-def]
    contract = accepted_contract(tenant.payer, tenant.hub, delivering=[tenant.cbo],
                                 outreach_goal=Decimal("80"), contact_goal=Decimal("55"),
                                 support_goal=Decimal("50"))
    members = make_members(tenant.payer, 30, "E", hub=tenant.hub, race="Asian")
    make_referrals(contract, tenant.cbo, members,
                   [("accepted", None, True)] * 12 + [("contacted", None, True)] * 10
                   + [("outreach", None, True)] * 2 + [("assigned", None, False)] * 6,
                   date(2026, 3, 4))
    refresh(contract)
    sign_in_verified(page, tenant.users["hub_admin"])
    visit(page, "/reporting/scorecard/")
    page.get_by_role("link", name="T-MEALS").click()
    page.wait_for_selector("h1")
    visit(page, "/reporting/scorecard/T-MEALS/?period=2026-03")
    assert page.get_by_role("heading", name="Scorecard: T-MEALS, March 2026").is_visible()
    outreach = page.get_by_role("row", name="Outreach rate")
    assert "24 of 30" in outreach.inner_text() and "80%" in outreach.inner_text()
    assert "Met" in outreach.inner_text()
    # Support provided: 12 of 22 contacted, 55% against 50%.
    assert "Met" in page.get_by_role("row", name="Support-provided rate").inner_text()
    charts = page.locator(".scorecard-chart svg[role=img]")
    assert charts.count() == 3
    for i in range(3):
        assert charts.nth(i).bounding_box()["width"] <= viewport["width"]
    assert fits_the_screen(page)
    shot(page, f"scorecard-card-{viewport['width']}")
    page.get_by_role("navigation", name="Measure for the trend and the split").get_by_role(
        "link", name="Contact rate").click()
    page.wait_for_url("**measure=contact_rate**")
    page.get_by_role("navigation", name="Split by").get_by_role("link", name="Race").click()
    page.wait_for_url("**by=race**")
    assert page.get_by_role("heading", name="Contact rate by race").is_visible()
    check_accessibility(page)
    assert fits_the_screen(page)
    page.get_by_label("Period", exact=True).select_option("quarter")
    page.get_by_label("Quarter", exact=True).fill("2026-Q1")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**period=2026-Q1")
    assert page.get_by_role("heading", name="Scorecard: T-MEALS, Q1 2026").is_visible()
    check_accessibility(page)
    assert fits_the_screen(page)
    shot(page, f"scorecard-quarter-{viewport['width']}")
