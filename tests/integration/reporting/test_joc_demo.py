"""The demo's committee: DEMO-MEALS, a meeting held with a story and minutes, one action
done and one carried to the planned meeting; seeding again adds nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.demo import seed as demo
from carehub.reporting.models.joc import ActionItem, Committee, Meeting, MemberStory
from carehub.reporting.selectors.joc import actions_for
from tests.integration.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_the_demo_committee(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    ctx = demo.seed(members=60, log=lambda s: None)
    with scopes_disabled():
        committee = Committee.objects.get(contract__code="DEMO-MEALS")
        held, planned = Meeting.objects.filter(committee=committee).order_by("starts_at")
        assert held.status == "sent" and planned.status == "planned"
        assert MemberStory.objects.filter(meeting=held).count() == 1
        at_planned = actions_for(planned)
        assert [a.text for a in at_planned.done] == ["Send discharge lists by 9 am on Mondays"]
        assert [a.text for a in at_planned.carried] == [
            "Add a Spanish-language text reminder for outreach"]
        demo.seed(members=60, log=lambda s: None)
        assert Committee.objects.count() == 1 and ActionItem.objects.count() == 2
    page = signed_in(ctx.users["hubadmin"]).get(reverse("reporting:joc_pack", args=[held.pk]))
    assert page.status_code == 200
    assert "Back at the lunch club" in page.content.decode()
