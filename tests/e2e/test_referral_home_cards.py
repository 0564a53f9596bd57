"""Referral home cards at phone width: the worker's next action is one tap away, the page
does not scroll sideways and the browser reports no Content Security Policy violation."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import check_accessibility, sign_in_verified, visit
from tests.integration.referrals.conftest import contract_with_terms, refer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("role", ["cbo_worker", "cbo_supervisor", "hub_coordinator",
                                  "payer_manager"])
def test_home_card_fits_a_phone(page, tenant, role):  # type: ignore[no-untyped-def]
    contract_with_terms(tenant)
    referral = refer(tenant)
    sign_in_verified(page, tenant.users[role])
    visit(page, "/")
    page.locator(".grid > section.card").first.wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    if role == "cbo_worker":
        page.get_by_role("link", name="Alphamember, Ada").click()
        page.wait_for_url(f"**/referrals/{referral.pk}/")
        check_accessibility(page)
    # The `page` fixture fails the test on a CSP violation or a console error.
