"""Row-level security under the JOC tables (PostgreSQL): the committee's parties see its
rows, an organisation outside sees none, a CBO sees only the case-conference rows of
members it may see; and the pages work under the tenant role."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse
from django_scopes import scope

from carehub.reporting.services import joc as services
from carehub.tenancy.rls import tenant_connection
from tests.integration.conftest import acting_as
from tests.integration.reporting.joc_world import build

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
TABLES = ("reporting_committee", "reporting_committeeparty", "reporting_committeemember",
          "reporting_meeting", "reporting_attendance", "reporting_actionitem",
          "reporting_caseconferenceentry")


def count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed table names)
        return int(cursor.fetchone()[0])


def test_parties_see_the_committee_and_outsiders_see_nothing(tenant, other_tenant):
    w = build(tenant)
    hub = acting_as(tenant.users["hub_admin"])
    with scope(organisation=tenant.hub.pk):
        for key in ("escalated", "hub_only"):
            services.list_for_conference(w.meeting, acting=hub, member=w.members[key],
                                         reason="listed", unresolved=True)
        services.add_action(w.meeting, acting=hub, text="x", due_on=w.meeting.starts_at.date(),
                            owner_name="y")
    seen = {}
    for name, org in (("hub", tenant.hub), ("plan", tenant.payer), ("cbo", tenant.cbo),
                      ("other", other_tenant.hub), ("other_cbo", other_tenant.cbo)):
        with tenant_connection(org.pk):
            seen[name] = {t: count(t) for t in TABLES}
    assert seen["hub"]["reporting_committee"] == 1 and seen["hub"]["reporting_meeting"] == 1
    assert seen["hub"]["reporting_caseconferenceentry"] == 2
    assert seen["plan"]["reporting_caseconferenceentry"] == 2
    assert seen["plan"]["reporting_actionitem"] == 1
    # The CBO is on the committee but was never referred the hub-only member.
    assert seen["cbo"]["reporting_committee"] == 1
    assert seen["cbo"]["reporting_caseconferenceentry"] == 1
    assert all(n == 0 for n in seen["other"].values()), seen["other"]
    assert all(n == 0 for n in seen["other_cbo"].values()), seen["other_cbo"]


def test_an_outsider_cannot_add_itself_as_a_party(tenant, other_tenant):
    from django.db import DatabaseError, transaction

    w = build(tenant)
    with tenant_connection(other_tenant.hub.pk), pytest.raises(DatabaseError), \
            transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO reporting_committeeparty (committee_id, organisation_id) "
                       "VALUES (%s, %s)", [w.committee.pk, other_tenant.hub.pk])


def test_the_flow_works_under_the_tenant_role(tenant, login_as):
    w = build(tenant)
    client = login_as(tenant.users["hub_admin"])
    answer = client.post(reverse("reporting:joc_committees"), {
        "contract": w.contract.pk, "name": "Second committee", "cadence": ""})
    assert answer.status_code == 302
    for url in (reverse("reporting:joc_prepare", args=[w.meeting.pk]),
                reverse("reporting:joc_hold", args=[w.meeting.pk]),
                reverse("reporting:joc_pack", args=[w.meeting.pk])):
        assert client.get(url).status_code == 200, url
    manager = login_as(tenant.users["payer_manager"])
    answer = manager.post(reverse("reporting:joc_hold", args=[w.meeting.pk]),
                          {"form": "minutes", "payer_update": "New benefit"})
    assert answer.status_code == 302
