"""Member access follows the referrals: an organisation a referral moves away from stops
seeing the member (unless it still holds another referral for them); the organisation
that did the work keeps its record after completion or closing."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.members.models import MemberAccess
from carehub.referrals import services
from carehub.referrals.models import Referral
from carehub.tenancy.models import Organisation
from tests.integration.conftest import Tenant, make_org, make_user
from tests.integration.referrals.conftest import acting_as, deliver_under, refer, walk_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_cbo(tenant: Tenant, contract: str) -> Organisation:
    """A second CBO of the hub's network delivering under the contract."""
    with scopes_disabled():
        cbo = make_org("cbo", "Alpha Kitchen")
        make_user("Alpha-kitchen-worker", cbo, "cbo_worker")
    deliver_under(contract, cbo, tenant.hub)
    return cbo


def kitchen_worker():  # type: ignore[no-untyped-def]
    from carehub.accounts.models import User

    return User.objects.get(username="Alpha-kitchen-worker")


def reroute(referral: Referral, t: Tenant, to: Organisation) -> Referral:
    with scopes_disabled():
        current = Referral.objects.select_related("member", "organisation").get(pk=referral.pk)
        return services.reroute(current, current.version, to,
                                acting=acting_as(t.users["hub_coordinator"], t.hub),
                                reason="closer to the member")


def sees_member(client, t: Tenant) -> dict[str, int]:  # type: ignore[no-untyped-def]
    pk = t.member.pk
    return {"members": client.get(f"/members/{pk}/").status_code,
            "referrals": client.get(f"/referrals/member/{pk}/").status_code}


def test_after_a_reroute_the_first_cbo_no_longer_sees_the_member(tenant, contract, second_cbo,
                                                                   login_as):
    referral = refer(tenant)
    first = login_as(tenant.users["cbo_worker"])
    assert sees_member(first, tenant) == {"members": 200, "referrals": 200}
    reroute(referral, tenant, second_cbo)

    assert sees_member(first, tenant) == {"members": 404, "referrals": 404}
    assert first.get(f"/api/referrals/referrals/{referral.pk}").status_code == 404
    listed = first.get("/api/referrals/referrals").json()
    assert tenant.member.member_id not in str(listed)
    assert tenant.member.last_name.encode() not in first.get("/members/").content

    second = login_as(kitchen_worker())
    assert sees_member(second, tenant) == {"members": 200, "referrals": 200}
    assert second.get(f"/api/referrals/referrals/{referral.pk}").status_code == 200
    # The plan and the hub keep theirs.
    assert sees_member(login_as(tenant.users["payer_manager"]), tenant)["members"] == 200
    assert sees_member(login_as(tenant.users["hub_coordinator"]), tenant)["members"] == 200
    with scopes_disabled():
        withdrawn = AuditEvent.objects.get(action="delete", object_type="member_access")
        assert withdrawn.member_id == str(tenant.member.pk)
        assert withdrawn.detail["organisation"] == tenant.cbo.pk
        assert withdrawn.organisation_id == tenant.hub.pk
        assert not MemberAccess.objects.filter(member=tenant.member,
                                               organisation=tenant.cbo).exists()


def test_a_cbo_holding_another_open_referral_keeps_access(tenant, contract, second_cbo,
                                                          login_as):
    meals = refer(tenant)
    with scopes_disabled():
        services.create_referral(member=tenant.member, organisation=tenant.cbo, hub=tenant.hub,
                                 service_code="NUTR", contract_code="T-MEALS",
                                 acting=acting_as(tenant.users["hub_coordinator"], tenant.hub))
    reroute(meals, tenant, second_cbo)
    worker = login_as(tenant.users["cbo_worker"])
    assert sees_member(worker, tenant) == {"members": 200, "referrals": 200}
    assert worker.get(f"/referrals/{meals.pk}/").status_code == 404  # that one moved on
    with scopes_disabled():
        assert not AuditEvent.objects.filter(action="delete", object_type="member_access").exists()


def test_rerouting_back_grants_access_again(tenant, contract, second_cbo, login_as):
    referral = reroute(refer(tenant), tenant, second_cbo)
    reroute(referral, tenant, tenant.cbo)
    assert sees_member(login_as(tenant.users["cbo_worker"]), tenant)["members"] == 200
    assert sees_member(login_as(kitchen_worker()), tenant)["members"] == 404


@pytest.mark.parametrize("end", ["completed", "closed"])
def test_the_cbo_that_did_the_work_keeps_read_access_when_it_ends(tenant, contract, end,
                                                                   login_as):
    referral = walk_to(refer(tenant), tenant, "in_service")
    with scopes_disabled():
        referral = Referral.objects.get(pk=referral.pk)
        services.transition(referral, referral.version, end, acting=acting_as(tenant.users["cbo_worker"], tenant.cbo),
                            close_reason="moved" if end == "closed" else "")
    worker = login_as(tenant.users["cbo_worker"])
    assert sees_member(worker, tenant) == {"members": 200, "referrals": 200}
    assert worker.get(f"/referrals/{referral.pk}/").status_code == 200


def test_the_reroute_page_withdraws_access(tenant, contract, second_cbo, login_as):
    """The hub's reroute form does the same (the page path, not only the service)."""
    referral = refer(tenant)
    hub = login_as(tenant.users["hub_coordinator"])
    answer = hub.post(f"/referrals/{referral.pk}/reroute/",
                      {"organisation": second_cbo.pk, "version": referral.version,
                       "reason": "closer to the member"}, follow=True)
    assert b"moved to Alpha Kitchen" in answer.content
    assert sees_member(login_as(tenant.users["cbo_worker"]), tenant)["members"] == 404
