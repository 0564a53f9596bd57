"""Referral home cards at phone width: the worker's next action is one tap away, the page
does not scroll sideways and the browser reports no Content Security Policy violation."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from carehub.referrals import services
from tests.e2e.conftest import make_tenant, sign_in
from tests.integration.referrals.conftest import acting_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("username", ["Card-worker", "Card-super", "Card-coord", "Card-manager"])
def test_home_card_fits_a_phone(page, username):  # type: ignore[no-untyped-def]
    tenant = make_tenant("Card")
    with scopes_disabled():
        referral = services.create_referral(
            member=tenant.member, organisation=tenant.cbo, hub=tenant.hub, service_code="HDM",
            contract_code="T-MEALS", acting=acting_as(tenant.users["hub_coordinator"], tenant.hub), assignee=tenant.users["cbo_worker"])
    sign_in(page, username)
    page.goto(f"{page.base_url}/")
    page.locator(".grid > section.card").first.wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    if username == "Card-worker":
        page.get_by_role("link", name="Cardmember, Ada").click()
        page.wait_for_url(f"**/referrals/{referral.pk}/")
    # (The browser's own /favicon.ico request may 404; that is not this page's doing.)
    errors = page.console_errors  # type: ignore[attr-defined]
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e]
