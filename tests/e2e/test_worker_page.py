"""The referral page as the worker's one page, on a phone in the field (390 px) and at a
desk (1366 px): reach the member, see why they were referred, finish an incomplete
screening and refer a positive domain on (issue 11)."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from carehub.referrals import services
from carehub.referrals.models import Referral
from tests.e2e.conftest import (
    BOTH_WIDTHS,
    check_accessibility,
    fits_the_screen,
    shot,
    sign_in_verified,
    visit,
)
from tests.integration.conftest import acting_as
from tests.integration.referrals.conftest import contract_with_terms, walk_to
from tests.integration.referrals.test_worker_page import a_shelter, reachable

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@BOTH_WIDTHS
def test_the_worker_reaches_screens_and_refers_on_from_one_page(page, tenant, viewport):
    contract_with_terms(tenant)
    reachable(tenant)
    shelter = a_shelter(tenant)
    with scopes_disabled():
        referral = services.create_referral(
            member=tenant.member, organisation=tenant.cbo, hub=tenant.hub, service_code="HDM",
            contract_code="T-MEALS", service_type="nutrition",
            acting=acting_as(tenant.users["hub_coordinator"], tenant.hub),
            assignee=tenant.users["cbo_worker"])
    walk_to(referral, tenant, "contacted")
    width = viewport["width"]
    sign_in_verified(page, tenant.users["cbo_worker"])
    visit(page, f"/referrals/{referral.pk}/")
    phone = page.get_by_role("link", name="(716) 555-0142")
    expect(phone).to_have_attribute("href", "tel:+17165550142")
    expect(page.get_by_text("weekday mornings")).to_be_visible()
    assert fits_the_screen(page)
    shot(page, f"worker-page-{width}", full=False)

    # Three answers only: saved as incomplete, and the form comes back to finish it.
    page.get_by_label("Often true").first.check()
    page.locator('input[name="item-88123-5"][value="LA28397-0"]').check()
    page.locator('input[name="item-93030-5"][value="LA32-8"]').check()
    page.get_by_role("button", name="Save screening").click()
    expect(page.locator("#screening-incomplete")).to_contain_text(
        "Incomplete: 7 of 10 questions unanswered (housing, utilities, interpersonal safety)")
    check_accessibility(page)
    assert fits_the_screen(page)
    page.locator("#screening-result").scroll_into_view_if_needed()
    shot(page, f"worker-page-incomplete-{width}", full=False)

    page.locator('input[name="item-71802-3"][value="LA31995-6"]').check()
    page.get_by_role("button", name="Save the answers").click()
    expect(page.locator("#screening-result")).to_contain_text("Positive: housing, food")
    page.get_by_label("Refer housing to").select_option(str(shelter.pk))
    page.locator(".refer-on-form").scroll_into_view_if_needed()
    shot(page, f"worker-page-refer-on-form-{width}", full=False)
    page.get_by_role("button", name="Refer on").click()
    expect(page.locator("#screening-result")).to_contain_text(
        "Alpha Shelter works with the member on this.")
    check_accessibility(page)
    assert fits_the_screen(page)
    page.locator("#screening-result").scroll_into_view_if_needed()
    shot(page, f"worker-page-referred-on-{width}", full=False)
    with scopes_disabled():
        assert Referral.objects.filter(member=tenant.member, organisation=shelter,
                                       source="refer_on").count() == 1
