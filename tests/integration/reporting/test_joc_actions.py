"""Action items carry forward: every open item shows on each later meeting until it is
done; one done at a meeting shows there as done and on no later meeting."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django_scopes import scope

from carehub.reporting.selectors.joc import actions_for
from carehub.reporting.services import joc as services
from tests.integration.conftest import acting_as
from tests.integration.reporting.joc_world import NOW, build

pytestmark = pytest.mark.django_db


def texts(items) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(a.text for a in items)


def test_open_items_carry_until_done(tenant):
    w = build(tenant)
    hub = acting_as(tenant.users["hub_admin"])
    with scope(organisation=tenant.hub.pk):
        first = w.meeting
        fix = services.add_action(first, acting=hub, text="Fix rides", due_on=date(2026, 12, 1),
                                  owner_name="Hub ops")
        services.add_action(first, acting=hub, text="Share roster", due_on=date(2026, 12, 1),
                            owner=tenant.users["payer_manager"])
        second = services.plan_meeting(w.committee, acting=hub, starts_at=NOW + timedelta(days=30),
                                       period="2026-12")
        third = services.plan_meeting(w.committee, acting=hub, starts_at=NOW + timedelta(days=60),
                                      period="2027-01")
        assert texts(actions_for(second).carried) == ["Fix rides", "Share roster"]
        services.close_action(fix, acting=hub, meeting=second)
        services.add_action(second, acting=hub, text="Survey members", due_on=date(2027, 1, 5),
                            owner_name="CBO lead")
        at_first, at_second, at_third = actions_for(first), actions_for(second), actions_for(third)
    # The first meeting's own record: both raised there, none done there.
    assert texts(at_first.raised) == ["Fix rides", "Share roster"] and at_first.done == []
    assert at_first.carried == []
    # Second: the open one carried, the closed one done here, the new one raised here.
    assert texts(at_second.carried) == ["Share roster"]
    assert texts(at_second.done) == ["Fix rides"]
    assert texts(at_second.raised) == ["Survey members"]
    # Third: still open items only; the one done earlier is gone.
    assert texts(at_third.carried) == ["Share roster", "Survey members"]
    assert at_third.done == [] and at_third.raised == []
    assert texts(at_third.open) == ["Share roster", "Survey members"]


def test_an_item_without_owner_is_refused(tenant):
    from django.core.exceptions import ValidationError

    w = build(tenant)
    with scope(organisation=tenant.hub.pk), pytest.raises(ValidationError) as refused:
        services.add_action(w.meeting, acting=acting_as(tenant.users["hub_admin"]),
                            text="Nobody's", due_on=date(2026, 12, 1))
    assert "owner" in refused.value.message_dict["owner_name"][0]
