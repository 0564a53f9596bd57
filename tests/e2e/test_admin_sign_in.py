"""Platform staff reach Django's admin only through carehub's sign-in and second factor."""

from __future__ import annotations

import pytest

from carehub.accounts.models import User
from tests.e2e.conftest import PASSWORD, check_accessibility, device_for, enter_code, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_sign_in_to_the_admin_with_a_second_factor(page):  # type: ignore[no-untyped-def]
    staff = User.objects.create_superuser("platform-ops", "ops@example.org", PASSWORD)
    device = device_for(staff)
    page.goto(f"{page.base_url}/admin/")
    # The admin's own form is gone: this is carehub's sign-in page.
    assert page.locator("h1").inner_text() == "Sign in to carehub"
    check_accessibility(page)
    page.get_by_label("Username").fill("platform-ops")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    enter_code(page, device)
    page.wait_for_selector("#site-name")
    assert page.url.endswith("/admin/")
    page.get_by_role("link", name="Organisations").first.click()
    page.wait_for_selector("#changelist")
    shot(page, "admin-organisations")
