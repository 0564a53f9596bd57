"""Case-conference lists: members with unresolved issues first, with the reason; then
members being engaged; then the other active members. A CBO sees only its own; the
reads are audited."""

from __future__ import annotations

import pytest
from django_scopes import scope, scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.reporting.selectors.joc import conference_candidates, conference_lists
from tests.integration.conftest import acting_as
from tests.integration.reporting.joc_world import NOW, build

pytestmark = pytest.mark.django_db


def rows_for(w, role):  # type: ignore[no-untyped-def]
    acting = acting_as(w.tenant.users[role])
    with scope(organisation=acting.organisation.pk):
        return conference_candidates(acting, w.committee, now=NOW)


def test_unresolved_members_come_first_with_their_reasons(tenant):
    w = build(tenant)
    rows = rows_for(w, "hub_admin")
    groups = [r.group for r in rows]
    assert groups == sorted(groups, key=["unresolved", "engaging", "active"].index)
    by_id = {r.plan_member_id: r for r in rows}
    m = w.members
    assert by_id[m["escalated"].member_id].reason == "open escalation: transportation"
    assert by_id[m["overdue"].member_id].reason == "overdue next step (enrolled)"
    assert by_id[m["failed"].member_id].reason == "failed contact: wrong number"
    assert {r.plan_member_id for r in rows[:3]} == {m["escalated"].member_id,
                                                   m["overdue"].member_id,
                                                   m["failed"].member_id}
    assert by_id[m["engaging"].member_id].group == "engaging"
    assert by_id[m["active"].member_id].group == "active"
    assert by_id[m["hub_only"].member_id].group == "active"


def test_a_cbo_sees_only_the_members_referred_to_it(tenant):
    w = build(tenant)
    ids = {r.plan_member_id for r in rows_for(w, "cbo_supervisor")}
    assert w.members["hub_only"].member_id not in ids
    assert w.members["escalated"].member_id in ids


def test_the_list_is_an_audited_read_of_member_data(tenant):
    w = build(tenant)
    rows = rows_for(w, "hub_admin")
    with scopes_disabled():
        event = AuditEvent.objects.filter(object_type="joc_conference_list").latest("pk")
    assert sorted(event.detail["member_ids"]) == sorted(r.member_pk for r in rows)


def test_a_page_shows_a_few_of_each_group_with_the_counts(tenant):
    w = build(tenant)
    acting = acting_as(tenant.users["hub_admin"])
    with scope(organisation=tenant.hub.pk):
        lists = conference_lists(acting, w.committee, per_group=1, now=NOW)
    assert lists.counts == {"unresolved": 3, "engaging": 1, "active": 2}
    assert [r.group for r in lists.rows] == ["unresolved", "engaging", "active"]
    assert lists.more("unresolved") == 2 and lists.more("engaging") == 0
    with scopes_disabled():
        event = AuditEvent.objects.filter(object_type="joc_conference_list").latest("pk")
    assert event.detail["member_ids"] == [r.member_pk for r in lists.rows]
