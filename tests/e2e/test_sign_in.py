from __future__ import annotations

import pytest

from tests.e2e.conftest import sign_in, sign_in_verified

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_worker_signs_in_through_the_browser_and_sees_home(page, tenant):  # type: ignore[no-untyped-def]
    sign_in(page, "Alpha-worker")
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == "Alpha Pantry"
    assert page.get_by_text("Your team").is_visible()
    # The `page` fixture fails the test on any CSP violation or console error.


def test_hub_admin_signs_in_with_a_second_factor(page, tenant):  # type: ignore[no-untyped-def]
    sign_in_verified(page, tenant.users["hub_admin"])
    assert page.locator("h1").inner_text() == "Alpha Hub"
    page.get_by_role("link", name="Network & users").click()
    assert page.get_by_role("link", name="Alpha Pantry").is_visible()


def test_wrong_password_shows_a_message_that_names_neither_field(page, tenant):  # type: ignore[no-untyped-def]
    sign_in(page, "Alpha-worker", "wrong-password-1")
    alert = page.get_by_role("alert")
    assert "username or password is not right" in alert.inner_text()
