"""The demo's community voice: a council that meets its 51% rule with a former member not
counted, two meetings, feedback across the dispositions, and a recent ask that warns."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.demo import seed as demo
from carehub.reporting.models.voice import AdvisoryCouncil, FeedbackItem, TouchPoint
from carehub.reporting.selectors.voice import composition
from carehub.reporting.services import voice as service
from tests.integration.conftest import acting_as, signed_in

pytestmark = pytest.mark.django_db


def test_demo_voice_shows_the_rule_the_log_and_the_repeat_warning(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    ctx = demo.seed(members=20, log=lambda s: None)
    with scopes_disabled():
        council = AdvisoryCouncil.objects.get(owner=ctx.hub)
        shape = composition(council, council.members.all(), on=ctx.today)
        assert (shape.consumers, shape.lived_experience, shape.current) == (5, 6, 9)
        assert shape.sentence == "5 of 9 (56%) consumers: meets the 51% rule."
        assert council.members.count() == 10  # one former member, not counted
        assert council.meetings.count() == 2
        items = FeedbackItem.objects.filter(owner=ctx.hub)
        assert items.count() == 6
        assert set(items.values_list("disposition", flat=True)) == {
            "open", "in_review", "incorporated", "not_incorporated"}
        assert items.filter(answered_on__isnull=False).count() == 3
        assert TouchPoint.objects.filter(owner=ctx.hub).count() == 3
        assert TouchPoint.objects.filter(confirmed_despite_recent_ask=True).count() == 1
        asked = list(council.members.filter(name__in=["Dolores Ramirez", "Keisha Brown"]))
        with pytest.raises(service.RepeatAsk):
            service.record_touch_point(
                acting=acting_as(ctx.users["coordinator"], ctx.hub), topic="Meal delivery times",
                questions="Again?", channel="survey", held_on=ctx.today - timedelta(days=1),
                asked_by="Hub", council_members=asked)
        demo.seed(members=20, log=lambda s: None)
        assert AdvisoryCouncil.objects.filter(owner=ctx.hub).count() == 1
        assert FeedbackItem.objects.count() == 6
    page = signed_in(ctx.users["supervisor"]).get(reverse("reporting:voice_feedback"))
    assert "Referrals outside our area" in page.content.decode()
    assert "Screening questions" not in page.content.decode()
