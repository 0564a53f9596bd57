"""An escalation queue page at phone and desktop width: an escalation that moved up to the
hub coordinator is listed with its due time, opened, and resolved with a resolution;
axe-core finds nothing serious and the page never scrolls sideways."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.referrals import services
from carehub.referrals.models import Escalation
from carehub.tenancy.access import Acting
from tests.e2e.conftest import (
    BOTH_WIDTHS,
    check_accessibility,
    fits_the_screen,
    shot,
    sign_in_verified,
    visit,
)
from tests.integration.referrals.conftest import acting_as, contract_with_terms, refer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@BOTH_WIDTHS
def test_the_hub_coordinator_resolves_an_escalation_from_the_queue(page, tenant):  # type: ignore[no-untyped-def]
    contract_with_terms(tenant)
    referral = refer(tenant)
    with scopes_disabled():
        row = services.raise_escalation(
            referral, barrier="housing_availability", description="No shelter bed this week",
            acting=acting_as(tenant.users["cbo_worker"], tenant.cbo),
            now=timezone.now() - timedelta(hours=25))
        services.move_up_overdue(acting=Acting.system())
        assert Escalation.objects.get(pk=row.pk).role == "hub_coordinator"
    sign_in_verified(page, tenant.users["hub_coordinator"])
    page.get_by_role("link", name="Escalations", exact=True).first.click()
    page.wait_for_url("**/referrals/escalations/")
    check_accessibility(page)
    assert fits_the_screen(page)
    shot(page, f"escalation-queue-{page.viewport_size['width']}")
    card = page.locator("ol.escalation-queue > li").first
    assert "Housing availability: Alphamember, Ada" in card.inner_text()
    assert "Level" in card.inner_text() and "Hub coordinator" in card.inner_text()
    card.get_by_label("Resolution").fill("Bed found at the county shelter")
    card.get_by_role("button", name="Resolve").click()
    page.get_by_text("Nothing waits for the hub coordinator.").wait_for()
    check_accessibility(page)
    assert fits_the_screen(page)
    visit(page, f"/referrals/escalation/{row.pk}/")
    assert page.get_by_text("Bed found at the county shelter").is_visible()
    assert fits_the_screen(page)
    with scopes_disabled():
        assert Escalation.objects.get(pk=row.pk).resolution == "Bed found at the county shelter"
