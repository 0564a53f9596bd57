"""Row-level security on community voice: the owner sees its councils, touch points and
log; the plan on a council's contract reads that council; a CBO sees only the feedback it
sent; another network sees nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from carehub.reporting.services import voice as service
from carehub.tenancy.rls import tenant_connection
from tests.integration.conftest import accepted_contract, acting_as
from tests.integration.reporting.voice_setup import hub_council

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

TABLES = ("advisorycouncil", "councilmember", "councilmeeting", "councilmeeting_attendance",
          "touchpoint", "touchpoint_council_members", "feedbackitem")


def count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM reporting_{table}")  # noqa: S608 (fixed names)
        return int(cursor.fetchone()[0])


def test_each_organisation_sees_its_own_voice_rows(tenant, other_tenant):
    hub = acting_as(tenant.users["hub_admin"])
    council, members = hub_council(tenant, consumers=2, others=0)
    council.contract = accepted_contract(tenant.payer, tenant.hub, "T-VOICE-RLS")
    council.save()
    service.record_meeting(council, acting=hub, held_on=date(2026, 11, 1), attendance=members)
    service.record_touch_point(acting=hub, topic="Meals", questions="When?", channel="survey",
                               held_on=date(2026, 11, 1), asked_by="Hub", council_members=members)
    service.submit_feedback(acting=hub, owner=tenant.hub, source="cbo", cbo=tenant.cbo,
                            topic="Volume", text="Too many", received_on=date(2026, 11, 2))
    service.submit_feedback(acting=hub, owner=tenant.hub, source="other", topic="Hours",
                            text="Open later", received_on=date(2026, 11, 2))
    seen = {}
    for name, org in (("hub", tenant.hub), ("plan", tenant.payer), ("cbo", tenant.cbo),
                      ("other", other_tenant.hub)):
        with tenant_connection(org.pk):
            seen[name] = {t: count(t) for t in TABLES}
    assert seen["hub"] == {"advisorycouncil": 1, "councilmember": 2, "councilmeeting": 1,
                           "councilmeeting_attendance": 2, "touchpoint": 1,
                           "touchpoint_council_members": 2, "feedbackitem": 2}
    # The plan reads the council on its contract, not the hub's touch points or log.
    assert seen["plan"] == {"advisorycouncil": 1, "councilmember": 2, "councilmeeting": 1,
                            "councilmeeting_attendance": 2, "touchpoint": 0,
                            "touchpoint_council_members": 0, "feedbackitem": 0}
    assert seen["cbo"] == {**{t: 0 for t in TABLES}, "feedbackitem": 1}
    assert set(seen["other"].values()) == {0}


def test_a_cbo_cannot_write_an_item_into_another_organisations_log(tenant, other_tenant):
    from django.db import DatabaseError, transaction

    from carehub.reporting.models.voice import FeedbackItem

    with tenant_connection(tenant.cbo.pk), pytest.raises(DatabaseError), transaction.atomic():
        FeedbackItem.objects.create(owner=other_tenant.hub, source="cbo", cbo=other_tenant.cbo,
                                    topic="x", text="x", received_on=date(2026, 11, 2))
