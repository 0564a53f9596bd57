"""Platform staff reach Django's admin only through carehub's sign-in and second factor."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from carehub.accounts.models import User
from tests.integration.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_sign_in_to_the_admin_with_a_second_factor(page):  # type: ignore[no-untyped-def]
    staff = User.objects.create_superuser("platform-ops", "ops@example.org", PASSWORD)
    device = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    page.goto(f"{page.base_url}/admin/")
    # The admin's own form is gone: this is carehub's sign-in page.
    assert page.locator("h1").inner_text() == "Sign in to carehub"
    page.get_by_label("Username").fill("platform-ops")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Six-digit code").fill(str(totp(device.bin_key)).zfill(6))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_selector("#site-name")
    assert page.url.endswith("/admin/")
    page.get_by_role("link", name="Organisations").first.click()
    page.wait_for_selector("#changelist")
    folder = os.environ.get("CAREHUB_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / "admin-organisations.png"), full_page=True)
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
