"""A hub administrator follows the contract's files in the browser, at phone and desk
width: the refused member list's receipt names the row and the column, and a data set
saved with SFTP but no host is refused naming the field; axe-core finds nothing serious,
nothing scrolls sideways, no CSP violation."""

from __future__ import annotations

from datetime import date

import pytest
from django_scopes import scopes_disabled

from carehub.exchange.models import DataSet, Delivery
from carehub.exchange.services import run_exchange, save_data_set
from tests.e2e.conftest import (
    BOTH_WIDTHS,
    check_accessibility,
    fits_the_screen,
    shot,
    sign_in_verified,
)
from tests.integration.conftest import accepted_contract, acting_as
from tests.integration.exchange.conftest import HEADER, inbox, roster_rows, write_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@BOTH_WIDTHS
def test_the_hub_reads_a_refused_files_receipt_and_fixes_a_data_set(page, tenant, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path
    width = page.viewport_size["width"]
    contract = accepted_contract(tenant.payer, tenant.hub, "T-FILES", delivering=[tenant.cbo],
                                 starts=date(2026, 1, 1))
    with scopes_disabled():
        data_set = save_data_set(
            DataSet(contract=contract, name="Monthly roster", kind="member_list", format="csv",
                    cadence="monthly", due_days=5, starts=date(2026, 1, 1), transport="folder",
                    counterparty=tenant.payer),
            acting=acting_as(tenant.users["hub_admin"], tenant.hub))
    rows = roster_rows(4)
    rows[2][HEADER.index("birth_date")] = "1960-13-01"
    write_csv(inbox(data_set) / "roster-bad.csv", rows)
    run_exchange(settle=0)
    with scopes_disabled():
        delivery = Delivery.objects.get()
    assert delivery.status == "refused"

    sign_in_verified(page, tenant.users["hub_admin"])
    page.goto(f"{page.base_url}/exchange/deliveries/")
    check_accessibility(page)
    page.get_by_role("link", name="roster-bad.csv").click()
    page.wait_for_selector("text=Problems (1)")
    check_accessibility(page)
    problems = page.locator("table").last
    # The header is row 1, so the third data row is row 4 of the file.
    assert "4" in problems.inner_text() and "birth_date" in problems.inner_text()
    assert fits_the_screen(page), f"the receipt scrolls sideways at {width}px"
    shot(page, f"exchange-receipt-{width}")

    page.goto(f"{page.base_url}/exchange/contracts/T-FILES/data-sets/")
    check_accessibility(page)
    page.get_by_label("Name", exact=True).fill("Weekly roster by SFTP")
    page.get_by_label("Kind", exact=True).select_option("member_list")
    page.get_by_label("Transport", exact=True).select_option("sftp")
    page.checks.expect_status(400)  # the refused form is the point
    page.get_by_role("button", name="Add data set").click()
    page.wait_for_selector("text=SFTP host is required for SFTP.")
    check_accessibility(page)
    assert fits_the_screen(page), f"the data set form scrolls sideways at {width}px"
    shot(page, f"exchange-data-set-refused-{width}")
    with scopes_disabled():
        assert DataSet.objects.count() == 1
