"""The hub coordinator's new-referral form with pickers, at phone and desktop widths: find
the member by name, choose the contract (its services follow), refer, and read the
routing decision; a member no CBO covers goes to the needs-routing queue with the reason."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from carehub.members.models import Member, MemberAccess
from tests.e2e.conftest import check_accessibility, shot, sign_in_verified, visit
from tests.integration.referrals.conftest import contract_with_terms, directory_service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844},
                                      {"width": 1366, "height": 900}], ids=["390", "1366"])
def test_the_coordinator_refers_with_pickers_and_sees_why(page, tenant, viewport):  # type: ignore[no-untyped-def]
    contract_with_terms(tenant)
    directory_service(tenant.cbo)  # Erie County
    with scopes_disabled():
        bronx = Member.objects.create(
            plan=tenant.payer, member_id="B-77", first_name="Bea", last_name="Bronxdale",
            birth_date="1948-03-02", sex="F", product="medicare_advantage", county="Bronx, NY")
        MemberAccess.objects.create(member=bronx, organisation=tenant.hub, reason="program")
    sign_in_verified(page, tenant.users["hub_coordinator"])
    visit(page, "/referrals/hub/new/")

    def refer(name: str) -> None:
        page.get_by_label("Name or member id").fill(name)
        page.locator("#member-results input[type=radio]").first.wait_for()
        page.locator("#member-results input[type=radio]").first.check()
        # The service select is replaced by the chosen contract's services.
        with page.expect_response("**/pickers/services/**"):
            page.get_by_label("Contract").select_option(
                label="T-MEALS T-MEALS (paid by Alpha Plan)")
        expect(page.locator("#service-field optgroup")).to_have_count(1)
        page.get_by_label("Service", exact=True).select_option(label="HDM Home-delivered meal")
        with page.expect_navigation():
            page.get_by_role("button", name="Refer").click()
        page.locator("#decision-h").wait_for()

    refer("alphamember")
    expect(page.locator("#decision-h")).to_have_text("Referred to Alpha Pantry")
    expect(page.get_by_text("Alpha Pantry: delivers T-MEALS, offers nutrition in Erie County, "
                            "accepting, 0 open referrals")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    check_accessibility(page)
    shot(page, f"routing-decision-{viewport['width']}")

    refer("Bronxdale")
    expect(page.locator("#decision-h")).to_have_text("Waiting in the hub's needs-routing queue")
    reason = "no CBO under T-MEALS covers Bronx County for nutrition"
    expect(page.get_by_text(f"No CBO qualifies: {reason}.")).to_be_visible()
    check_accessibility(page)

    page.get_by_role("link", name="Open the needs-routing queue").click()
    page.wait_for_url("**/referrals/hub/needs-routing/")
    expect(page.get_by_role("cell", name=reason)).to_be_visible()
    shot(page, f"routing-queue-{viewport['width']}")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    check_accessibility(page)
    # Choosing the CBO without a reason is refused beside the form; with one it is routed.
    page.checks.expect_status(400)
    page.get_by_label("Organisation", exact=True).select_option(label="Alpha Pantry")
    page.get_by_role("button", name="Route").click()
    page.get_by_role("cell").get_by_role("alert").get_by_text(
        "Say why you chose this organisation instead of routing.").wait_for()
    page.get_by_label("Why this organisation").fill("the member asked for them")
    page.get_by_role("button", name="Route").click()
    expect(page.get_by_text("Nothing waits for routing.")).to_be_visible()
    check_accessibility(page)


def test_the_plans_referral_form_at_phone_width(page, tenant):  # type: ignore[no-untyped-def]
    contract_with_terms(tenant)
    directory_service(tenant.cbo)
    sign_in_verified(page, tenant.users["payer_manager"])
    visit(page, "/referrals/plan/")
    page.get_by_role("link", name="Refer a member").click()
    page.wait_for_url("**/referrals/plan/refer/")
    check_accessibility(page)
    page.get_by_label("Name or member id").fill("Alpha-M1")
    page.locator("#member-results input[type=radio]").first.wait_for()
    with page.expect_response("**/pickers/services/**"):
        page.get_by_label("Contract").select_option(label="T-MEALS T-MEALS (with Alpha Hub)")
    page.get_by_label("Service", exact=True).select_option(label="HDM Home-delivered meal")
    with page.expect_navigation():
        page.get_by_role("button", name="Refer").click()
    expect(page.locator("#decision-h")).to_have_text("Referred to Alpha Pantry")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    check_accessibility(page)
