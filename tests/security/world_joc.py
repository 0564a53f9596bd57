"""Joint operating committee rows of one set: the hub's committee for the set's contract
with its plan and CBO on it, a meeting with a member story (the member consented), an
action item and a case-conference entry naming the set's member."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django_scopes import scopes_disabled

from tests.integration.conftest import acting_as


def joc(w: Any) -> dict[str, Any]:
    from carehub.referrals.models import Consent
    from carehub.reporting.models.joc import CommitteeRole
    from carehub.reporting.services import joc as service

    t, marker = w.tenant, w.marker
    hub = acting_as(t.users["hub_admin"], t.hub)
    with scopes_disabled():
        committee = service.create_committee(acting=hub, hub=t.hub, plan=t.payer,
                                             contract=w.contract, name=f"{marker} committee")
        service.add_member(committee, acting=hub, role=CommitteeRole.ADMINISTRATIVE_LEAD,
                           user=t.users["hub_admin"], organisation=t.hub)
        service.add_member(committee, acting=hub, role=CommitteeRole.PROGRAMMATIC_LEAD,
                           user=t.users["payer_manager"], organisation=t.payer)
        service.add_member(committee, acting=hub, role=CommitteeRole.FRONTLINE_STAFF,
                           user=t.users["cbo_supervisor"], organisation=t.cbo)
        meeting = service.plan_meeting(
            committee, acting=hub, starts_at=timezone.make_aware(datetime(2026, 3, 10, 10)),
            period="2026-02", domains=["funnel"])
        Consent.objects.create(member=t.member, organisation=t.cbo, kind="story_sharing",
                               scope=f"{marker} story", given_on=date(2026, 1, 1))
        story = service.add_story(meeting, acting=hub, member=t.member, told_by=f"{marker} staff",
                                  title=f"{marker} story", text="Meals helped her stay at home.",
                                  today=date(2026, 3, 1))
        action = service.add_action(meeting, acting=hub, text=f"{marker} action",
                                    due_on=date(2026, 4, 1), owner_name=f"{marker} owner")
        entry = service.list_for_conference(meeting, acting=hub, member=t.member,
                                            reason=f"{marker} reason", unresolved=True)
    return {"joc_committee": committee, "joc_meeting": meeting, "joc_story": story,
            "joc_action": action, "joc_entry": entry}
