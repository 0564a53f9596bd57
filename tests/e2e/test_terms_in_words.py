"""A hub administrator, at phone width, reads the terms in words, previews a change in
words before saving it, and sees a validation error beside the form."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from carehub.contracts import services
from carehub.contracts.demo import TERMS, _without_leading_comments
from tests.e2e.conftest import sign_in
from tests.integration.conftest import acting_as, make_tenant
from tests.integration.contracts.factories import make_contract

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_terms_read_in_words_and_a_change_is_previewed(page):  # type: ignore[no-untyped-def]
    tenant = make_tenant("Words")
    contract = make_contract(tenant)
    text = _without_leading_comments(TERMS.read_text()).replace("WNY-MEALS-2026", contract.code)
    with scopes_disabled():
        services.add_terms_version(contract, text,
                                   acting=acting_as(tenant.users["hub_admin"], tenant.hub))
    device = TOTPDevice.objects.create(user=tenant.users["hub_admin"], name="app", confirmed=True)
    page.set_default_timeout(60_000)  # a shared machine can be slow to serve
    sign_in(page, "Words-hubadmin")
    page.get_by_label("Six-digit code").fill(str(totp(device.bin_key)).zfill(6))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_selector("h1")
    page.goto(f"{page.base_url}/contracts/{contract.code}/terms/")
    page.wait_for_selector("text=Floor $18,000.00 a month, paid up front")
    assert page.locator("details.terms-yaml").get_attribute("open") is None  # YAML folded

    page.get_by_label("Terms (YAML)").fill(text.replace('"18000.00"', '"20500.00"'))
    page.get_by_role("button", name="Preview in words").click()
    page.wait_for_selector("#terms-preview >> text=Floor $20,500.00 a month, paid up front")
    assert page.url.rstrip("/").endswith("/terms")  # previewed in place, nothing saved

    page.get_by_label("Terms (YAML)").fill(text.replace('"18000.00"', '"lots"'))
    page.get_by_role("button", name="Preview in words").click()
    page.wait_for_selector("#terms-preview-errors >> text=components[0].floor")
    shots = Path(os.environ.get("CAREHUB_VAR", "/tmp")) / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "terms-in-words-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing overflows
    # (A missing /favicon.ico is the one 404 a browser may log on this branch.)
    assert not [e for e in page.console_errors  # type: ignore[attr-defined]
                if "Content Security Policy" in e or "htmx" in e]
