"""The referral lists filter, sort and page (django-filter): each filter narrows the
organisation's own rows, a filter value naming another organisation's worker or CBO is
refused and shows nothing, 50 rows a page with the filters kept in the page links."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.members.imports import RankedRow
from carehub.members.models import Member, MemberAccess
from carehub.referrals import services
from carehub.referrals.models import RankedList, Referral
from tests.integration.conftest import Tenant, acting_as, make_org
from tests.integration.referrals.conftest import contract_with_terms


def add_referrals(t: Tenant, n: int, *, prefix: str = "Row", service: str = "HDM",
                  assignee: str | None = "cbo_worker", organisation=None, **fields) -> list[Referral]:  # type: ignore[no-untyped-def]
    """`n` members of the tenant's plan, each with one referral at the tenant's CBO (rows
    for the list pages; the writers are tested elsewhere)."""
    made = []
    with scopes_disabled():
        for i in range(n):
            member = Member.objects.create(
                plan=t.payer, member_id=f"{prefix}-{i:03d}", first_name=f"Ann{prefix}{i:03d}",
                last_name=f"{prefix}{i:03d}", birth_date=date(1950, 1, 1), sex="F",
                product="medicaid", county="Erie, NY")
            for org in (t.payer, t.hub, organisation or t.cbo):
                MemberAccess.objects.create(member=member, organisation=org, reason="program")
            made.append(Referral.objects.create(
                member=member, plan=t.payer, hub=t.hub, organisation=organisation or t.cbo,
                contract_code="T-MEALS", service_code=service,
                assignee=t.users[assignee] if assignee else None, **fields))
    return made


def names(html: str, prefix: str = "Row") -> list[str]:
    """The member surnames of a list page, in page order."""
    return re.findall(rf"({prefix}\d{{3}}),", html)


def test_the_inbox_pages_by_fifty_and_keeps_the_filters_in_the_page_links(tenant, login_as):
    add_referrals(tenant, 55, state="outreach")
    client = login_as(tenant.users["cbo_worker"])
    first = client.get(reverse("referrals:inbox"), {"state": "outreach", "sort": "member"})
    html = first.content.decode()
    assert first.status_code == 200
    assert names(html) == [f"Row{i:03d}" for i in range(50)]
    assert "1–50 of 55" in html
    assert 'href="?state=outreach&amp;sort=member&amp;page=2"' in html
    second = client.get(reverse("referrals:inbox"),
                        {"state": "outreach", "sort": "member", "page": "2"}).content.decode()
    assert names(second) == [f"Row{i:03d}" for i in range(50, 55)]
    with scopes_disabled():
        event = AuditEvent.objects.filter(object_type="referral_inbox").order_by("pk").last()
    assert len(event.detail["member_ids"]) == 5  # the page shown, audited


def test_each_inbox_filter_narrows(tenant, login_as):
    now = timezone.now()
    late = add_referrals(tenant, 2, prefix="Late", state="contacted",
                         due_at=now - timedelta(days=2))
    soon = add_referrals(tenant, 2, prefix="Soon", state="outreach", service="CM",
                         due_at=now + timedelta(days=10))
    client = login_as(tenant.users["cbo_worker"])

    def shown(**params: str) -> set[str]:
        html = client.get(reverse("referrals:inbox"), params).content.decode()
        return set(re.findall(r"((?:Late|Soon)\d{3}),", html))

    assert shown() == {"Late000", "Late001", "Soon000", "Soon001"}
    assert shown(state="contacted") == {"Late000", "Late001"}
    assert shown(service="CM") == {"Soon000", "Soon001"}
    assert shown(overdue="yes") == {"Late000", "Late001"}
    assert shown(overdue="no") == {"Soon000", "Soon001"}
    assert shown(due_before=(now + timedelta(days=1)).date().isoformat()) == {"Late000", "Late001"}
    assert shown(q="Soon001") == {"Soon001"}  # by surname
    assert shown(q=soon[0].member.member_id) == {"Soon000"}  # by plan member id
    assert shown(q=late[1].member.first_name) == {"Late001"}  # by first name


def test_sorting_by_a_column_marks_it_with_aria_sort(tenant, login_as):
    add_referrals(tenant, 3, state="outreach")
    client = login_as(tenant.users["cbo_worker"])
    default = client.get(reverse("referrals:inbox")).content.decode()
    assert re.search(r'<th scope="col" aria-sort="ascending"><a href="\?sort=-due">Due', default)
    down = client.get(reverse("referrals:inbox"), {"sort": "-member"}).content.decode()
    assert names(down) == ["Row002", "Row001", "Row000"]
    assert re.search(r'aria-sort="descending"><a href="\?sort=member">Member', down)
    assert down.count("aria-sort=") == 1
    up = client.get(reverse("referrals:inbox"), {"sort": "member"}).content.decode()
    assert names(up) == ["Row000", "Row001", "Row002"]


def test_an_unknown_filter_value_shows_nothing_and_names_the_field(tenant, login_as):
    add_referrals(tenant, 2, state="outreach")
    client = login_as(tenant.users["cbo_worker"])
    for params in ({"state": "nonsense"}, {"sort": "member_id"}, {"due_before": "someday"}):
        html = client.get(reverse("referrals:inbox"), params).content.decode()
        assert names(html) == [], params
        assert "Nothing shown." in html


def test_a_worker_filter_of_another_organisation_is_refused_not_widened(
        tenant, other_tenant, login_as):
    add_referrals(tenant, 3, state="outreach")
    add_referrals(tenant, 2, prefix="Free", state="outreach", assignee=None)
    add_referrals(other_tenant, 2, prefix="Else", state="outreach")
    client = login_as(tenant.users["cbo_supervisor"])
    team = reverse("referrals:supervisor")
    mine = client.get(team, {"worker": tenant.users["cbo_worker"].pk}).content.decode()
    assert names(mine) == ["Row000", "Row001", "Row002"] and "Free000" not in mine
    unassigned = client.get(team, {"unassigned": "on"}).content.decode()
    assert set(re.findall(r"(Free\d{3}),", unassigned)) == {"Free000", "Free001"}
    assert names(unassigned) == []
    foreign = client.get(team, {"worker": other_tenant.users["cbo_worker"].pk})
    html = foreign.content.decode()
    assert names(html) == [] and "Else" not in html and "Free" not in html
    assert "Nothing shown. Worker: Select a valid choice." in html
    assert other_tenant.users["cbo_worker"].first_name not in html


def test_the_hub_list_filters_by_organisation_and_refuses_another_networks(
        tenant, other_tenant, login_as):
    with scopes_disabled():
        second = make_org("cbo", "Alpha Kitchen")
    add_referrals(tenant, 2, state="outreach")
    add_referrals(tenant, 2, prefix="Kitchen", state="outreach", organisation=second,
                  assignee=None)
    add_referrals(other_tenant, 2, prefix="Else", state="outreach")
    client = login_as(tenant.users["hub_coordinator"])
    hub = reverse("referrals:coordinator")
    everything = client.get(hub).content.decode()
    assert names(everything) == ["Row000", "Row001"] and "Kitchen000" in everything
    assert "Else" not in everything
    kitchen = client.get(hub, {"organisation": second.pk}).content.decode()
    assert names(kitchen) == [] and "Kitchen001" in kitchen
    refused = client.get(hub, {"organisation": other_tenant.cbo.pk}).content.decode()
    assert names(refused) == [] and "Kitchen00" not in refused and "Else" not in refused
    assert "Organisation: Select a valid choice." in refused
    # The state counts and the sources are in words.
    assert "Hub referral" in everything and ">Outreach 4<" in everything


def test_the_plan_list_shows_every_state_and_filters_by_state(tenant, other_tenant, login_as):
    add_referrals(tenant, 2, state="outreach")
    add_referrals(tenant, 1, prefix="Done", state="completed", service="CM")
    client = login_as(tenant.users["payer_analyst"])
    plan = reverse("referrals:plan")
    assert set(re.findall(r"((?:Row|Done)\d{3}),", client.get(plan).content.decode())) == {
        "Row000", "Row001", "Done000"}
    done = client.get(plan, {"state": "completed"}).content.decode()
    assert names(done) == [] and "Done000" in done
    refused = client.get(plan, {"organisation": other_tenant.cbo.pk}).content.decode()
    assert names(refused) == [] and "Select a valid choice" in refused
    sorted_down = client.get(plan, {"sort": "-member"}).content.decode()
    assert re.findall(r"((?:Row|Done)\d{3}),", sorted_down) == ["Row001", "Row000", "Done000"]


@pytest.mark.parametrize("url", ["referrals:inbox", "referrals:supervisor",
                                 "referrals:coordinator", "referrals:plan"])
def test_a_list_of_another_network_never_shows_our_rows(tenant, other_tenant, login_as, url):
    add_referrals(tenant, 2, state="outreach")
    role = {"referrals:inbox": "cbo_supervisor", "referrals:supervisor": "cbo_supervisor",
            "referrals:coordinator": "hub_coordinator", "referrals:plan": "payer_manager"}[url]
    html = login_as(other_tenant.users[role]).get(reverse(url), {"q": "Row000"}).content.decode()
    assert names(html) == []


def send_ranked_list(t: Tenant, members: list[Member], name: str = "Post-discharge meals",
                     code: str = "T-MEALS") -> RankedList:
    rows = [RankedRow(i + 2, m.member_id, i + 1, i % 2 == 0, f"reason {i}", {})
            for i, m in enumerate(members)]
    with scopes_disabled():
        ranked, _ = services.save_ranked_list(
            t.payer, rows, name=name, contract_code=code, service_code="HDM", hub=t.hub,
            acting=acting_as(t.users["payer_manager"], t.payer))
    return ranked


def test_ranked_lists_and_their_members_filter_sort_and_page(tenant, other_tenant, contract,
                                                             login_as):
    contract_with_terms(other_tenant, "O-MEALS")
    members = [r.member for r in add_referrals(tenant, 4, state="outreach")]
    ranked = send_ranked_list(tenant, members)
    send_ranked_list(tenant, members[:1], name="Housing")
    theirs = send_ranked_list(other_tenant, [other_tenant.member], name="Omega list",
                              code="O-MEALS")
    for role in ("payer_analyst", "hub_coordinator"):
        client = login_as(tenant.users[role])
        lists = client.get(reverse("referrals:ranked_lists")).content.decode()
        assert "Post-discharge meals" in lists and "Housing" in lists
        assert "Omega list" not in lists
        only = client.get(reverse("referrals:ranked_lists"), {"q": "hous"}).content.decode()
        assert "Housing" in only and "Post-discharge meals" not in only
        detail = reverse("referrals:ranked_list", args=[ranked.pk])
        entries = client.get(detail, {"sort": "-rank"}).content.decode()
        assert names(entries) == ["Row003", "Row002", "Row001", "Row000"]
        chosen = client.get(detail, {"selected": "yes"}).content.decode()
        assert names(chosen) == ["Row000", "Row002"]
        assert client.get(reverse("referrals:ranked_list", args=[theirs.pk])).status_code == 404
    with scopes_disabled():
        event = (AuditEvent.objects.filter(object_type="ranked_list", action="view")
                 .order_by("pk").last())
    assert event is not None and len(event.detail["member_ids"]) == 2
    worker = login_as(tenant.users["cbo_worker"])
    assert worker.get(reverse("referrals:ranked_lists")).status_code == 404


def test_the_team_view_filters_by_someone_who_has_left(tenant, login_as):
    """A worker whose membership ended still holds referrals; the supervisor finds them."""
    add_referrals(tenant, 2, state="outreach")
    with scopes_disabled():
        from carehub.tenancy.models import Membership

        Membership.objects.filter(user=tenant.users["cbo_worker"]).update(is_active=False)
    client = login_as(tenant.users["cbo_supervisor"])
    html = client.get(reverse("referrals:supervisor"),
                      {"worker": tenant.users["cbo_worker"].pk}).content.decode()
    assert names(html) == ["Row000", "Row001"]
    # Not offered as the one to assign to.
    assign = html[html.index('id="assign-worker"'):]
    assert "Alpha-Worker Tester" not in assign[:assign.index("</select>")]
