from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.e2e.conftest import sign_in
from tests.integration.conftest import make_tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_worker_signs_in_through_the_browser_and_sees_home(page):
    make_tenant("Alpha")
    sign_in(page, "Alpha-worker")
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == "Alpha Pantry"
    assert page.get_by_text("Your team").is_visible()
    # The content security policy blocks nothing our own pages need.
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_hub_admin_signs_in_with_a_second_factor(page):
    tenant = make_tenant("Alpha")
    device = TOTPDevice.objects.create(user=tenant.users["hub_admin"], name="app", confirmed=True)
    sign_in(page, "Alpha-hubadmin")
    page.get_by_label("Six-digit code").fill(str(totp(device.bin_key)).zfill(6))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == "Alpha Hub"
    page.get_by_role("link", name="Network & users").click()
    assert page.get_by_role("link", name="Alpha Pantry").is_visible()


def test_wrong_password_shows_a_message_that_names_neither_field(page):
    make_tenant("Alpha")
    sign_in(page, "Alpha-worker", "wrong-password-1")
    alert = page.get_by_role("alert")
    assert "username or password is not right" in alert.inner_text()
