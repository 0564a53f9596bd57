"""The notification centre at phone and desktop width: the bell's count, the list, marking
one read without a reload, opening one, and choosing a channel per kind; axe-core finds
nothing serious and no page scrolls sideways."""

from __future__ import annotations

import pytest

from carehub.notifications.kinds import Channel, Kind
from carehub.notifications.models import Notification, NotificationPreference
from carehub.notifications.services import notify
from carehub.tenancy.access import Acting
from tests.e2e.conftest import (
    BOTH_WIDTHS,
    check_accessibility,
    fits_the_screen,
    shot,
    sign_in_verified,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@BOTH_WIDTHS
def test_the_supervisor_reads_notifications_and_chooses_how_to_get_them(page, tenant):  # type: ignore[no-untyped-def]
    supervisor = tenant.users["cbo_supervisor"]
    system = Acting.system(tenant.cbo)
    for _ in range(2):  # the same twice: one notice, count 2
        notify(Kind.FOR_MY_ORGANISATION, users=[supervisor], organisation=tenant.cbo,
               title="{count} new referral{s} for Alpha Pantry", link="/referrals/team/",
               body="Waiting for a worker: your team page lists them.", acting=system)
    notify(Kind.ESCALATION, users=[supervisor], organisation=tenant.cbo,
           title="{count} escalation{s} now wait{-s} for the CBO supervisor",
           link="/referrals/escalations/", acting=system,
           body="{count} escalation{s} raised for the CBO supervisor of Alpha Pantry.")
    width = page.viewport_size["width"]
    sign_in_verified(page, supervisor)
    bell = page.locator("#bell")
    assert bell.get_attribute("aria-label") == "Notifications, 2 unread"
    bell.click()
    page.wait_for_url("**/notifications/")
    check_accessibility(page)
    assert fits_the_screen(page)
    shot(page, f"notifications-list-{width}")
    items = page.locator("ol.notifications > li")
    assert items.count() == 2
    assert "1 escalation now waits for the CBO supervisor" in items.nth(0).inner_text()
    assert "2 new referrals for Alpha Pantry" in items.nth(1).inner_text()
    # Mark the escalation read in place: the item and the bell change without a reload.
    items.nth(0).get_by_role("button", name="Mark read").click()
    page.locator("#bell[aria-label='Notifications, 1 unread']").wait_for()
    assert items.nth(0).get_by_role("button", name="Mark read").count() == 0
    check_accessibility(page)
    # Open the other: marked read, and on to its page.
    items.nth(1).get_by_role("link", name="2 new referrals for Alpha Pantry").click()
    page.wait_for_url("**/referrals/team/")
    assert page.locator("#bell").get_attribute("aria-label") == "Notifications, none unread"
    assert not Notification.objects.filter(recipient=supervisor, read_at__isnull=True).exists()

    page.goto(f"{page.base_url}/notifications/settings/")
    check_accessibility(page)
    assert fits_the_screen(page)
    shot(page, f"notifications-settings-{width}")
    radio = page.get_by_role("radio", name="Overdue work in my team Daily digest")
    radio.check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved: 1 choice changed.").wait_for()
    assert page.get_by_role("radio", name="Overdue work in my team Daily digest").is_checked()
    check_accessibility(page)
    assert list(NotificationPreference.objects.filter(user=supervisor)
                .values_list("kind", "channel")) == [(Kind.OVERDUE, Channel.DIGEST)]
