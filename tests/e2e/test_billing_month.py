"""A month billed end to end in the browser, each person on their own pages: the CBO
fixes a failing line on a phone, the hub submits the month, the plan approves it in bulk
and downloads the 835, the hub posts the 835 and issues the remittance advices, and the
CBO sees its remittance. axe-core finds nothing serious on each page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from carehub.billing.models import Bill, BillLine, CboPayout, Remittance
from carehub.billing.services import lines
from carehub.network.models import Location
from tests.e2e.conftest import DESKTOP, fits_the_screen, shot, sign_in_verified, visit
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


def _as(page, user) -> None:  # type: ignore[no-untyped-def]
    """Sign out and in as `user`. A second sign-in within the same 30 s would reuse the
    authenticator's code, which the second factor rightly refuses: the test moves the
    device on as the next time step would."""
    page.context.clear_cookies()
    TOTPDevice.objects.filter(user=user).update(last_t=-1)
    sign_in_verified(page, user)


def test_a_month_from_the_cbos_fix_to_its_remittance(page, tenant, worker):  # type: ignore[no-untyped-def]
    contract = claims_contract(tenant)
    add_sites(tenant)
    with scopes_disabled():
        Location.objects.create(organisation=tenant.payer, name="Claims office",
                                location_type="postal", address_1="1 Plan Way",
                                city="Buffalo", state_province="NY", postal_code="14202-3701",
                                phone="716-555-0142")
        tenant.payer.tin = "161234567"  # the 835's TRN03
        tenant.payer.save()
    referral = enrolled_referral(tenant, contract)
    deliver(referral, date(2026, 11, 2), units=2)
    deliver(referral, date(2026, 11, 3), units=1)
    hub_admin = tenant.users["hub_admin"]
    lines.build_lines(contract, PERIOD, acting_as(hub_admin, tenant.hub))
    with scopes_disabled():
        wrong = BillLine.objects.order_by("service_date").first()
        wrong.diagnosis_codes = "Z59.4"
        wrong.save()
        lines.recheck([wrong], acting_as(hub_admin, tenant.hub))

    # The CBO, on a phone: the failing line says what is wrong and how to fix it.
    _as(page, tenant.users["cbo_supervisor"])
    visit(page, f"/billing/cbo/?period={PERIOD}")
    assert page.get_by_text("Z59.4 is a category, not a billable code").is_visible()
    assert fits_the_screen(page)
    shot(page, "billing-cbo-fix-390")
    page.get_by_text("Correct this line").click()
    page.get_by_label("Social needs (Z) codes").fill("Z59.41")
    page.get_by_role("button", name="Save and check again").click()
    page.get_by_text("Fixed: the line is ready to bill.").wait_for()

    # The hub submits the month (a job the worker runs; its page says what was
    # submitted): one claim of two lines, pyx12 accepts the 837P.
    page.set_viewport_size(DESKTOP)
    _as(page, hub_admin)
    visit(page, f"/billing/hub/?contract={contract.pk}&period={PERIOD}")
    page.get_by_role("button", name="Submit the month (2 ready)").click()
    page.get_by_text(re.compile(r"Submitted 2 lines on 1 bills")).wait_for()

    # The plan approves everything its filter shows, after seeing the count and total.
    _as(page, tenant.users["payer_manager"])
    visit(page, "/billing/review/")
    page.get_by_role("link", name="Approve all waiting bills shown by the filter…").click()
    confirm = page.get_by_role("button", name=re.compile(r"Approve 1 bill \(22\.05\)"))
    confirm.wait_for()
    shot(page, "billing-payer-bulk-confirm")
    confirm.click()
    page.get_by_text("Approved 1 bills, 22.05 in all.").wait_for()
    visit(page, "/billing/remittance/for-approved-bills/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the 835").click()
    remit = download.value.path()

    # The hub posts the 835 and pays its CBO, less its fee.
    _as(page, hub_admin)
    visit(page, "/billing/remittance/")
    page.get_by_label("835 file").set_input_files(remit)
    page.get_by_role("button", name="Post").click()
    page.get_by_text(re.compile(r"Posted .*: 1 matched")).wait_for()
    visit(page, "/billing/payouts/")
    page.get_by_label("Contract").select_option(str(contract.pk))
    page.get_by_label("Month (YYYY-MM)").fill(PERIOD)
    page.get_by_role("button", name="Issue remittance advices").click()
    page.get_by_text("Issued 1 remittance advice(s).").wait_for()
    with scopes_disabled():
        assert Remittance.objects.get().matched == 1
        assert str(Bill.objects.get().paid_amount) == "22.05"
        payout = CboPayout.objects.get()
    assert str(payout.gross) == "22.05" and str(payout.fee + payout.net) == "22.05"

    # The CBO, on its phone again, sees the remittance advice with what it is paid.
    page.set_viewport_size({"width": 390, "height": 844})
    _as(page, tenant.users["cbo_supervisor"])
    visit(page, "/billing/payouts/")
    shot(page, "billing-cbo-remittance-390")
    assert page.get_by_text(str(payout.net)).first.is_visible()
    assert fits_the_screen(page)
