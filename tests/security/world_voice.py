"""Community voice rows of one set: the hub's council with a member and a meeting, a touch
point and a feedback item from the set's CBO about the set's member."""

from __future__ import annotations

from datetime import date
from typing import Any

from django_scopes import scopes_disabled

from tests.integration.conftest import acting_as


def voice(w: Any) -> dict[str, Any]:
    from carehub.reporting.services import voice as service

    t, marker = w.tenant, w.marker
    hub = acting_as(t.users["hub_admin"], t.hub)
    with scopes_disabled():
        council = service.create_council(acting=hub, name=f"{marker} council",
                                         other_rules=f"{marker} rule")
        member = service.add_council_member(council, acting=hub, name=f"{marker} councillor",
                                            contact=f"{marker.lower()}@example.org",
                                            consumer=True, consent_to_contact=True,
                                            joined_on=date(2026, 1, 1))
        meeting = service.record_meeting(council, acting=hub, held_on=date(2026, 2, 1),
                                         notes=f"{marker} notes", attendance=[member])
        point = service.record_touch_point(acting=hub, topic=f"{marker} topic",
                                           questions=f"{marker} questions", channel="survey",
                                           held_on=date(2026, 2, 2), asked_by=f"{marker} staff",
                                           council_members=[member], cbo=t.cbo)
        item = service.submit_feedback(
            acting=acting_as(t.users["cbo_supervisor"], t.cbo), owner=t.hub, source="cbo",
            cbo=t.cbo, topic=f"{marker} feedback", text=f"{marker} text",
            received_on=date(2026, 2, 3))
        service.submit_feedback(acting=hub, owner=t.hub, source="member", member=t.member,
                                topic=f"{marker} member feedback", text="walked",
                                received_on=date(2026, 2, 3), touch_point=point)
    return {"voice_council": council, "voice_member": member, "voice_meeting": meeting,
            "voice_touch_point": point, "voice_feedback": item}
