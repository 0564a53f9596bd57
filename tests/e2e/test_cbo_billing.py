"""The CBO billing page on a phone and a desk: a line failing the Z code check shows what
is wrong and the fix, the worker corrects it in place and it becomes ready to bill; axe-core
finds nothing serious and the page never scrolls sideways."""

from __future__ import annotations

from datetime import date

import pytest
from django_scopes import scopes_disabled

from carehub.billing.models import BillLine
from carehub.billing.services import lines
from tests.e2e.conftest import (
    BOTH_WIDTHS,
    check_accessibility,
    fits_the_screen,
    shot,
    sign_in_verified,
    visit,
)
from tests.integration.billing.claims_setup import (
    PERIOD,
    claims_contract,
    deliver,
    enrolled_referral,
)
from tests.integration.conftest import acting_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@BOTH_WIDTHS
def test_a_cbo_worker_fixes_a_failing_line(page, tenant):  # type: ignore[no-untyped-def]
    contract = claims_contract(tenant)
    referral = enrolled_referral(tenant, contract, service_type="")
    made = deliver(referral, date(2026, 11, 2), units=2)
    lines.build_lines(contract, PERIOD, acting_as(tenant.users["hub_admin"], tenant.hub))
    sign_in_verified(page, tenant.users["cbo_worker"])
    visit(page, f"/billing/cbo/?period={PERIOD}")
    assert fits_the_screen(page)
    card = page.locator("article.bill-line").first
    assert "No social needs (Z) code" in card.inner_text()
    shot(page, f"cbo-billing-{page.viewport_size['width']}")
    card.get_by_text("Correct this line").click()
    card.get_by_label("Social needs (Z) codes").fill("Z59.41")
    card.get_by_role("button", name="Save and check again").click()
    page.get_by_text("Fixed: the line is ready to bill.").wait_for()
    check_accessibility(page)
    assert fits_the_screen(page)
    with scopes_disabled():
        assert BillLine.objects.get(delivery=made).status == "ready"
