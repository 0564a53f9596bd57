"""A hub administrator enrols at first sign-in and later moves to a new phone, on a phone."""

from __future__ import annotations

import base64

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.e2e.conftest import check_accessibility, fits_the_screen, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code_for(page) -> str:  # type: ignore[no-untyped-def]
    """The code an authenticator app would show for the key printed on the page."""
    key = base64.b32decode(page.locator("code.secret").inner_text().strip())
    return str(totp(key)).zfill(6)


def test_enrol_then_replace_the_device_on_a_phone(page, tenant):  # type: ignore[no-untyped-def]
    admin = tenant.users["hub_admin"]
    sign_in(page, "Alpha-hubadmin")
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == "Set up two-step sign-in"
    assert page.get_by_alt_text("QR code for your authenticator app").is_visible()
    assert fits_the_screen(page)
    check_accessibility(page)
    shot(page, "enrol-390")
    page.get_by_label("Six-digit code").fill(code_for(page))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == "Alpha Hub"
    first = TOTPDevice.objects.get(user=admin, confirmed=True)

    page.get_by_role("link", name="Sign-in security").click()
    assert page.locator("h1").inner_text() == "Sign-in security"
    assert fits_the_screen(page)
    check_accessibility(page)
    shot(page, "security-390")
    # The code just used to sign in cannot be used twice; the app's next one is accepted.
    page.get_by_label("Code from your current app").fill(str(totp(first.bin_key, drift=1)).zfill(6))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("code.secret")
    assert page.locator("h1").inner_text() == "Set up your new authenticator app"
    assert fits_the_screen(page)
    shot(page, "replace-390")
    page.get_by_label("Six-digit code").fill(code_for(page))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_selector(".alert")
    assert "new authenticator app is set up" in page.locator(".alert").inner_text()
    shot(page, "security-after-390")
    assert not TOTPDevice.objects.filter(pk=first.pk).exists()
    assert TOTPDevice.objects.filter(user=admin, confirmed=True).count() == 1
