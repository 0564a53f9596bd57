"""Community voice in the browser at phone and desk width: the council's share against its
rule in words, the repeat-ask warning confirmed, a disposition refused without its reason
then recorded and answered; axe-core finds nothing serious, no sideways scrolling."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django_scopes import scopes_disabled

from carehub.reporting.models.voice import FeedbackItem, TouchPoint
from carehub.reporting.services import voice as service
from tests.e2e.conftest import (
    BOTH_WIDTHS,
    check_accessibility,
    fits_the_screen,
    shot,
    sign_in_verified,
)
from tests.integration.conftest import acting_as
from tests.integration.reporting.voice_setup import hub_council

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@BOTH_WIDTHS
def test_the_hub_uses_community_voice(page, tenant):  # type: ignore[no-untyped-def]
    width = page.viewport_size["width"]
    today = date.today()
    with scopes_disabled():
        _, members = hub_council(tenant)
        hub = acting_as(tenant.users["hub_admin"])
        asked = service.record_touch_point(acting=hub, topic="Meal delivery times", channel="survey",
                                   questions="When should meals arrive?", asked_by="Hub team",
                                   held_on=today - timedelta(days=10), council_members=members[:3])
        service.submit_feedback(acting=hub, owner=tenant.hub, source="council",
                                council_member=members[0], topic="Meal delivery times",
                                touch_point=asked,
                                text="Meals arrive after dark.", received_on=today - timedelta(days=9))
    page.checks.expect_status(400, 409)
    sign_in_verified(page, tenant.users["hub_admin"])
    page.get_by_role("link", name="Reporting").first.click()
    page.get_by_role("link", name="Community voice").click()
    page.wait_for_url("**/reporting/voice/")
    check_accessibility(page)
    assert fits_the_screen(page)
    assert "5 of 9 (56%) consumers: meets the 51% rule." in page.inner_text("main")
    page.get_by_role("link", name="Community advisory council").click()
    page.get_by_role("heading", name="Composition").wait_for()
    check_accessibility(page)
    assert fits_the_screen(page)
    shot(page, f"voice-council-{width}")

    page.get_by_role("link", name="Touch points").click()
    page.get_by_label("Consumer 1 (Community advisory council)").check()
    page.get_by_label("Topic").fill("Delivery windows")
    page.get_by_label("Questions asked").fill("Would evenings work?")
    page.get_by_label("Channel", exact=True).select_option("listening_session")
    page.get_by_label("By whom").fill("Hub team")
    page.get_by_role("button", name="Save touch point").click()
    warning = page.get_by_role("alert").filter(has_text="Warning")
    warning.wait_for()
    assert "council members Consumer 1" in warning.inner_text()
    # What they already said, with its disposition and whether it was answered.
    assert "Feedback: Meal delivery times · Open · not answered" in warning.inner_text()
    check_accessibility(page)
    assert fits_the_screen(page)
    shot(page, f"voice-repeat-warning-{width}")
    page.get_by_role("button", name="Save anyway (confirmed despite recent ask)").click()
    page.get_by_text("Touch point saved (confirmed despite a recent ask).").wait_for()
    with scopes_disabled():
        assert TouchPoint.objects.filter(confirmed_despite_recent_ask=True).count() == 1

    page.get_by_role("link", name="Feedback log").click()
    page.get_by_role("link", name="Meal delivery times").click()
    page.get_by_label("Disposition", exact=True).select_option("not_incorporated")
    page.get_by_role("button", name="Save disposition").click()
    page.get_by_text("Say why the feedback was not incorporated.").wait_for()
    check_accessibility(page)
    page.get_by_label("Disposition", exact=True).select_option("incorporated")
    page.get_by_label("Where incorporated").fill("Delivery workflow v3: deliveries end by 4 pm")
    page.get_by_role("button", name="Save disposition").click()
    page.get_by_role("heading", name="Disposition: Incorporated").wait_for()
    page.get_by_label("Answer sent back", exact=True).fill("Deliveries now end by 4 pm.")
    page.get_by_label("Channel", exact=True).select_option("meeting")
    page.get_by_role("button", name="Record the answer").click()
    page.get_by_role("heading", name="Answer sent back: closed").wait_for()
    check_accessibility(page)
    assert fits_the_screen(page)
    shot(page, f"voice-feedback-{width}")
    with scopes_disabled():
        assert FeedbackItem.objects.get().closed
