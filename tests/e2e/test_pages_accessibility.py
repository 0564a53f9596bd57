"""Every page of the header menu, for each role, passes axe-core (no serious or critical
violation), loads without console errors or CSP violations, at phone width."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import check_accessibility, sign_in_verified, visit
from tests.integration.referrals.conftest import contract_with_terms, refer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("role", ["cbo_worker", "cbo_supervisor", "hub_coordinator",
                                  "hub_admin", "payer_manager"])
def test_every_menu_page_of_a_role_passes_axe(page, tenant, role):  # type: ignore[no-untyped-def]
    contract_with_terms(tenant)
    refer(tenant)
    sign_in_verified(page, tenant.users[role])
    check_accessibility(page)
    links = page.locator("header nav a")
    paths = sorted({href for href in (links.nth(i).get_attribute("href")
                                      for i in range(links.count())) if href})
    assert paths, "the header menu has links"
    for path in paths:
        visit(page, path)
