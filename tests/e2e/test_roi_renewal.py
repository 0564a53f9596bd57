"""The plan's program manager estimates a contract's ROI from the browser (the worker
runs the job), reads each estimate with its interval and the method in words, then
records the renewal decision: a wind-down is refused until it has a transition plan."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    BOTH_WIDTHS,
    check_accessibility,
    fits_the_screen,
    shot,
    sign_in_verified,
    visit,
)
from tests.integration.reporting.roi_world import world

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


@BOTH_WIDTHS
def test_estimate_roi_then_decide_the_renewal(page, tenant, worker, viewport, tmp_path):  # type: ignore[no-untyped-def]
    world(tenant, tmp_path)
    manager = tenant.users["payer_manager"]
    sign_in_verified(page, manager)
    visit(page, "/reporting/roi/")
    page.get_by_role("link", name="T-MEALS").click()
    expect(page.get_by_role("heading", name="ROI: T-MEALS")).to_be_visible()
    assert "No estimate yet." in page.content()
    page.get_by_label("Bootstrap resamples").fill("200")
    page.get_by_role("button", name="Run the estimate").click()
    expect(page.get_by_role("heading", name="ROI run")).to_be_visible()
    deadline = time.monotonic() + 90
    while not page.locator("[data-savings]").count() and time.monotonic() < deadline:
        time.sleep(1)
        page.reload()
    expect(page.locator("[data-savings]")).to_contain_text("95% interval")
    words = page.locator(".roi-words li")
    expect(words).to_have_count(3)
    expect(words.first).to_contain_text("95% interval")
    expect(page.get_by_text("enrolled members compared with").first).to_be_visible()
    check_accessibility(page)
    assert fits_the_screen(page)
    shot(page, f"roi-run-{viewport['width']}")

    visit(page, "/reporting/renewal/T-MEALS/")
    expect(page.get_by_role("heading", name="Renewal review: T-MEALS")).to_be_visible()
    expect(page.locator("[data-active-members]")).to_contain_text("40 active members")
    assert fits_the_screen(page)
    page.get_by_label("Wind down").check()
    page.get_by_label("Reasons").fill("The budget ends with the fiscal year.")
    page.checks.expect_status(400)
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Winding down needs a member-transition plan").first).to_be_visible()
    page.get_by_label("Member-transition plan").fill("The county meals program takes the members on.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".renewal-decision")).to_contain_text("Wind down")
    expect(page.locator(".renewal-decision")).to_contain_text("Member transition (40 members)")
    check_accessibility(page)
    assert fits_the_screen(page)
    shot(page, f"renewal-{viewport['width']}")
