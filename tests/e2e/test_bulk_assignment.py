"""The supervisor's team view in a browser, on a phone and on a desktop: filter the list,
sort it by a column, tick every referral on the page with one box and give them all to
one worker in one action."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from carehub.referrals.models import Referral
from tests.e2e.conftest import (
    BOTH_WIDTHS,
    check_accessibility,
    fits_the_screen,
    shot,
    sign_in_verified,
    visit,
)
from tests.integration.conftest import make_user
from tests.integration.referrals.test_lists import add_referrals

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@BOTH_WIDTHS
def test_a_supervisor_assigns_a_page_of_referrals_in_one_action(page, tenant, viewport):  # type: ignore[no-untyped-def]
    rows = add_referrals(tenant, 3, state="outreach", assignee=None)
    add_referrals(tenant, 1, prefix="Busy", state="contacted")
    with scopes_disabled():
        helper = make_user("Alpha-helper", tenant.cbo, "cbo_worker")
    sign_in_verified(page, tenant.users["cbo_supervisor"])
    visit(page, "/referrals/team/")

    # Only the unassigned ones, sorted by member, newest name first.
    page.locator("summary", has_text="Filter and sort").click()
    page.get_by_label("Unassigned only").check()
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/referrals/team/?*unassigned=on*")
    page.get_by_role("link", name="Member", exact=True).click()
    page.wait_for_url("**sort=member*")
    page.get_by_role("link", name="Member", exact=True).click()
    page.wait_for_url("**sort=-member*")
    header = page.locator("table.team th[aria-sort]")
    assert header.get_attribute("aria-sort") == "descending"
    assert page.locator("table.team tbody tr").count() == 3
    check_accessibility(page)

    everything = page.get_by_label("Select every referral on this page")
    everything.check()
    assert page.locator("table.team tbody input[type=checkbox]:checked").count() == 3
    page.get_by_label("Assign the ticked referrals to").select_option(label="Alpha-Helper Tester")
    page.get_by_role("button", name="Assign", exact=True).click()
    page.get_by_text("3 referrals assigned to Alpha-Helper Tester.").wait_for()
    # The filters survive the action: the unassigned list is now empty.
    assert "unassigned=on" in page.url and "sort=-member" in page.url
    page.get_by_text("Nothing open that matches these filters.").wait_for()
    assert fits_the_screen(page)
    check_accessibility(page)
    shot(page, f"team-bulk-assign-{viewport['width']}")
    with scopes_disabled():
        assert {r.assignee_id for r in Referral.objects.filter(pk__in=[r.pk for r in rows])} \
            == {helper.pk}
