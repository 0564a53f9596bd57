"""A CBO supervisor withdraws from a contract on its page; the hub coordinator reroutes
one open referral and lets the other finish on the Leaving CBOs page. At phone and
desktop width, axe-clean, nothing wider than the screen."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from carehub.contracts.models import Departure
from tests.e2e.conftest import (
    BOTH_WIDTHS,
    check_accessibility,
    fits_the_screen,
    sign_in_verified,
)
from tests.integration.referrals.test_leaving import make_leaving_setup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@BOTH_WIDTHS
def test_withdraw_then_reroute_and_let_finish(page, tenant, viewport):  # type: ignore[no-untyped-def]
    contract, kitchen, first, other = make_leaving_setup(tenant)
    page.set_default_timeout(60_000)  # a shared machine can be slow to serve
    sign_in_verified(page, tenant.users["cbo_supervisor"])
    page.goto(f"{page.base_url}/contracts/{contract.code}/")
    page.get_by_text("Withdraw Alpha Pantry from this contract").click()
    check_accessibility(page)
    page.get_by_label("Why your organisation is withdrawing").fill("Our kitchen closes.")
    page.get_by_role("button", name=f"Withdraw from {contract.code}").click()
    page.wait_for_selector("text=Alpha Pantry is leaving T-MEALS")
    check_accessibility(page)
    assert fits_the_screen(page)
    page.context.clear_cookies()

    sign_in_verified(page, tenant.users["hub_coordinator"])
    page.goto(f"{page.base_url}/referrals/leaving/")
    page.wait_for_selector("text=Alpha Pantry leaving T-MEALS")
    check_accessibility(page)
    assert fits_the_screen(page)
    page.get_by_label("Reroute to").first.select_option(label="Alpha Kitchen")
    page.get_by_role("button", name="Reroute").first.click()
    page.wait_for_selector(f"text=Referral {first.pk} rerouted to Alpha Kitchen")
    page.get_by_role("button", name="Let it finish at Alpha Pantry").click()
    page.wait_for_selector("text=Finishing at Alpha Pantry")
    check_accessibility(page)
    assert fits_the_screen(page)
    with scopes_disabled():
        departure = Departure.objects.get()
        assert departure.let_finish == [other.pk] and departure.left_at is None
