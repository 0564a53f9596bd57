"""A worker takes a member from assigned to completed in the browser, at phone width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import check_accessibility, sign_in_verified, visit
from tests.integration.referrals.conftest import contract_with_terms, refer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def move(page, target: str) -> None:  # type: ignore[no-untyped-def]
    form = page.locator("form[action$='/transition/']")
    form.locator("select[name=target]").select_option(target)
    form.get_by_role("button", name="Move").click()


def test_worker_takes_a_member_from_assigned_to_completed(page, tenant):  # type: ignore[no-untyped-def]
    contract_with_terms(tenant)
    refer(tenant)
    sign_in_verified(page, tenant.users["cbo_worker"])
    visit(page, "/referrals/")
    page.get_by_text("Make the first outreach attempt").wait_for()
    page.get_by_role("link", name="Alphamember, Ada").click()
    page.locator("#referral-state").wait_for()
    check_accessibility(page)
    state = page.locator("#referral-state")
    attempt = page.locator("form[action$='/attempt/']")
    attempt.locator("select[name=channel]").select_option("phone")
    attempt.locator("select[name=outcome]").select_option("reached")
    attempt.get_by_role("button", name="Record attempt").click()
    expect(state).to_have_text("Outreach")
    move(page, "contacted")
    expect(state).to_have_text("Contacted")
    page.locator("input[name='item-88122-7'][value='LA28397-0']").check()
    page.get_by_role("button", name="Save screening").click()
    page.get_by_text("Need: food (Z59.41)").wait_for()
    check_accessibility(page)
    for target, label in (("screened", "Screened"), ("accepted", "Accepted support"),
                          ("enrolled", "Enrolled")):
        move(page, target)
        expect(state).to_have_text(label)
    service = page.locator("form[action$='/service/']")
    service.locator("input[name=units]").fill("2")
    service.get_by_role("button", name="Log units").click()
    expect(state).to_have_text("In service")
    check_accessibility(page)
    move(page, "completed")
    expect(state).to_have_text("Completed")
    assert state.text_content() == "Completed"
    # Every page resource loads: the `page` fixture fails the test on any other 4xx/5xx.
