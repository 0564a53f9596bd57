"""The hub's billing console and the fee schedule pages on a phone and a desk: the month's
clean-line rate and failures, building the lines as a job, submitting the month; the
shipped schedules with their verification badges. axe-core finds nothing serious and no
page scrolls sideways."""

from __future__ import annotations

from datetime import date

import pytest
from django_scopes import scopes_disabled

from carehub.billing.models import FeeSchedule, Submission
from carehub.billing.services import lines
from tests.e2e.conftest import BOTH_WIDTHS, fits_the_screen, shot, sign_in_verified, visit
from tests.integration.billing.claims_setup import (
    PERIOD,
    add_sites,
    claims_contract,
    deliver,
    enrolled_referral,
)
from tests.integration.conftest import acting_as

# On PostgreSQL only: the job the Submit button starts runs in the `worker` fixture, and an
# in-memory SQLite database shared by the server, the worker and the test locks tables
# under them now and then ("database table is locked").
pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@BOTH_WIDTHS
def test_the_hub_admin_checks_and_submits_a_month(page, tenant, worker):  # type: ignore[no-untyped-def]
    contract = claims_contract(tenant)
    add_sites(tenant)
    referral = enrolled_referral(tenant, contract)
    deliver(referral, date(2026, 11, 2), units=2)
    deliver(referral, date(2026, 11, 2), units=1)  # a duplicate: needs a fix
    lines.build_lines(contract, PERIOD, acting_as(tenant.users["hub_admin"], tenant.hub))
    sign_in_verified(page, tenant.users["hub_admin"])
    visit(page, f"/billing/hub/?contract={contract.pk}&period={PERIOD}")
    assert fits_the_screen(page)
    assert page.get_by_text("50.0%").is_visible()
    assert page.get_by_text("Duplicate line").is_visible()
    shot(page, f"hub-billing-{page.viewport_size['width']}")
    page.get_by_role("button", name="Build and check the lines").click()
    page.locator("section.job-progress").wait_for()
    visit(page, f"/billing/hub/?contract={contract.pk}&period={PERIOD}")
    # Submitting is a job: its page shows the bar, then what was submitted.
    page.get_by_role("button", name="Submit the month (1 ready)").click()
    page.get_by_text("Submitted 1 lines on 1 bills").wait_for()
    assert fits_the_screen(page)
    with scopes_disabled():
        assert Submission.objects.get().check_result == "accepted"
        calaim = FeeSchedule.objects.get(owner=None, name="calaim-community-supports")
    visit(page, "/billing/fee-schedules/")
    assert fits_the_screen(page)
    visit(page, f"/billing/fee-schedules/{calaim.pk}/")
    assert page.get_by_text("secondary — verify").first.is_visible()
    assert fits_the_screen(page)
