"""The referral workflow's services and mapping without HTTP: a source's Task becomes a
routed referral, the CBO's updates are transitions, the source's Task follows."""

from __future__ import annotations

import pytest
from django_scopes import scope, scopes_disabled

from carehub.fhir.mapping import referral as mapping
from carehub.fhir.selectors import tasks as selectors
from carehub.fhir.services import tasks as services
from carehub.referrals import services as referral_services
from carehub.referrals.models import Referral
from tests.integration.conftest import acting_as
from tests.integration.fhir import referral_world as world


def sent(t):  # type: ignore[no-untyped-def]
    b = world.bundle(t)
    return [{**e["resource"], "_fullUrl": e["fullUrl"]} for e in b["entry"]]


def test_a_source_task_is_routed_and_followed(tenant):
    world.ready(tenant)
    hub = acting_as(tenant.users["hub_coordinator"], tenant.hub)
    resources = sent(tenant)
    task = {k: v for k, v in resources[-1].items() if k != "_fullUrl"}
    assert services.is_referral_request(task)
    with scope(organisation=tenant.hub.pk):
        done = services.receive_task(acting=hub, task=task, sent=resources, client_id="c1")
        again = services.receive_task(acting=hub, task=task, sent=resources, client_id="c1")
    assert done.created and not again.created and again.link.pk == done.link.pk
    referral = done.link.referral
    assert referral.organisation_id == tenant.cbo.pk and referral.source == "fhir"
    assert done.link.source_task["for"]["reference"] == f"Patient/{tenant.member.pk}"
    worker = acting_as(tenant.users["cbo_worker"], tenant.cbo)
    with scope(organisation=tenant.cbo.pk):
        fresh = Referral.objects.get(pk=referral.pk)
        referral_services.record_attempt(fresh, fresh.version, channel="phone",
                                         outcome="reached", acting=worker)
        fresh = Referral.objects.get(pk=referral.pk)
        with pytest.raises(services.FhirRefusal) as refused:
            services.update_task(acting=worker, referral=fresh, version=fresh.version,
                                 task={"status": "accepted"})
        assert refused.value.status == 409
        moved = services.update_task(
            acting=worker, referral=fresh, version=fresh.version,
            task={"status": "received", "businessStatus": {"coding": [
                {"system": mapping.STATE_SYSTEM, "code": "contacted"}]}})
        assert moved.state == "contacted"
        declined = services.update_task(acting=worker, referral=moved, version=moved.version,
                                        task={"status": "rejected",
                                              "statusReason": {"text": "not now"}})
        assert declined.state == "declined"
        page = selectors.search_tasks(worker, _query(f"owner=Organization/{tenant.cbo.pk}"))
        assert [r.pk for r in page.rows] == [referral.pk]
        loaded = selectors.load(page.rows)
        shown = selectors.task_resource(page.rows[0], loaded)
        assert shown["status"] == "rejected" and shown["statusReason"] == {"text": "not now"}
        assert shown["partOf"] == [{"reference": f"Task/{done.link.source_task_id}"}]
    with scope(organisation=tenant.hub.pk):
        link = selectors.get_source_link(hub, done.link.source_task_id)
        assert link is not None
        source = selectors.source_task_resource(link)
        assert source["status"] == "rejected" and source["meta"]["versionId"] == str(
            declined.version)


def _query(text: str):  # type: ignore[no-untyped-def]
    from django.http import QueryDict

    return QueryDict(text)


def test_polling_pages_with_a_keyset(tenant):
    world.ready(tenant)
    hub = acting_as(tenant.users["hub_coordinator"], tenant.hub)
    made = []
    with scopes_disabled():
        from carehub.members.models import Member, MemberAccess
        from carehub.referrals.models import Consent

        for i in range(7):
            member = Member.objects.create(plan=tenant.payer, member_id=f"P-{i}", first_name="A",
                                           last_name="B", birth_date="1950-01-01", sex="F",
                                           product="medicaid", county="Erie, NY")
            MemberAccess.objects.create(member=member, organisation=tenant.payer, reason="plan")
            MemberAccess.objects.create(member=member, organisation=tenant.hub, reason="program")
            Consent.objects.create(member=member, organisation=tenant.hub, kind="data_sharing",
                                   scope="all", given_on="2025-01-01")
            made.append(referral_services.create_referral(
                member=member, organisation=tenant.cbo, hub=tenant.hub, service_code="HDM",
                contract_code="T-MEALS", acting=hub).pk)
    seen: list[int] = []
    cursor = ""
    with scope(organisation=tenant.hub.pk):
        while True:
            page = selectors.search_tasks(hub, _query(
                f"owner=Organization/{tenant.cbo.pk}&_count=3"
                + (f"&_cursor={cursor}" if cursor else "")))
            seen.extend(r.pk for r in page.rows)
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        assert seen == made
        with pytest.raises(selectors.SearchError) as bad:
            selectors.search_tasks(hub, _query("colour=blue"))
        assert bad.value.param == "colour"
        later = selectors.search_tasks(hub, _query("_lastUpdated=gt2999-01-01"))
        assert later.rows == []
        with pytest.raises(selectors.SearchError):
            selectors.search_tasks(hub, _query("_lastUpdated=gtyesterday"))
