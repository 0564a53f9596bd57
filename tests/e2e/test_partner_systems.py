"""A hub administrator registers a partner system in the browser, at phone and desk
width: the scope grid, the keys pasted, the client_id and token URL shown, revoking;
axe-core finds nothing serious, no sideways scrolling, no CSP violation."""

from __future__ import annotations

import json

import pytest
from django_scopes import scopes_disabled

from carehub.fhir.models import PartnerSystem
from tests.e2e.conftest import (
    BOTH_WIDTHS,
    check_accessibility,
    fits_the_screen,
    shot,
    sign_in_verified,
)
from tests.integration.fhir.conftest import public_jwks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@BOTH_WIDTHS
def test_a_hub_admin_registers_and_revokes_a_partner_system(page, tenant):  # type: ignore[no-untyped-def]
    width = page.viewport_size["width"]
    sign_in_verified(page, tenant.users["hub_admin"])
    page.goto(f"{page.base_url}/fhir/partners/")
    check_accessibility(page)
    page.get_by_role("link", name="Register a partner system").click()
    page.wait_for_selector("h1")
    check_accessibility(page)
    page.get_by_label("Organisation it acts for").select_option(label=tenant.cbo.name)
    page.get_by_label("Name of the system").fill("Pantry case app")
    for box in ("Task read", "Task search", "Task update", "Patient read"):
        page.get_by_label(box, exact=True).check()
    page.get_by_label("Public keys (JWK Set)").fill(json.dumps(public_jwks()))
    assert fits_the_screen(page), f"the form scrolls sideways at {width}px"
    shot(page, f"partner-new-{width}")
    page.get_by_role("button", name="Register").click()
    page.wait_for_selector("text=client_id")
    check_accessibility(page)
    with scopes_disabled():
        partner = PartnerSystem.objects.get()
    assert partner.scopes == "system/Patient.r system/Task.rus"
    assert page.get_by_label("client_id").input_value() == partner.client_id
    assert page.get_by_label("Token URL").input_value().endswith("/fhir/auth/token")
    assert fits_the_screen(page), f"the detail page scrolls sideways at {width}px"
    shot(page, f"partner-detail-{width}")
    page.get_by_role("button", name="Revoke: its tokens stop working now").click()
    page.wait_for_selector("text=is revoked")
    check_accessibility(page)
    partner.refresh_from_db()
    assert partner.revoked_at is not None
