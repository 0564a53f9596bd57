"""A CBO leaving a contract with referrals in progress: it gets no new work, keeps the
referrals it has open until the hub reroutes them or they finish, then leaves; every step
is recorded and audited, and no other organisation reaches the hub's choices."""

from __future__ import annotations

from datetime import date

import pytest
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.contracts import departures
from carehub.contracts.models import Contract, ContractParty, Departure
from carehub.contracts.services import save_contract_details, sync_parties
from carehub.members.models import EnrolmentSpan, Member, MemberAccess
from carehub.network.models import Service, ServiceType
from carehub.referrals import services
from carehub.referrals.models import Referral
from carehub.tenancy.models import Network, NetworkMember, Organisation
from tests.integration.conftest import Tenant, make_org, make_user, signed_in
from tests.integration.referrals.conftest import acting_as, contract_with_terms, refer

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(tenant: Tenant):  # type: ignore[no-untyped-def]
    return make_leaving_setup(tenant)


def make_leaving_setup(tenant: Tenant) -> tuple[Contract, Organisation, Referral, Referral]:
    """T-MEALS delivered by the tenant's pantry and a second meals CBO, Alpha Kitchen,
    both covering Erie; the pantry holds two open referrals under it."""
    contract = contract_with_terms(tenant)
    with scopes_disabled():
        kitchen = make_org("cbo", "Alpha Kitchen")
        NetworkMember.objects.create(network=Network.objects.get(hub=tenant.hub), cbo=kitchen, status="accepted",
                                     onboarded_by_hub=True)
        make_user("Kitchen-super", kitchen, "cbo_supervisor")
        make_user("Kitchen-worker", kitchen, "cbo_worker")
        nutrition = ServiceType.objects.get(slug="nutrition")
        for org in (tenant.cbo, kitchen):
            Service.objects.create(organisation=org, service_type=nutrition, name="Meals",
                                   status="active", coverage_counties=["Erie, NY"])
        contract.delivering_cbos.add(kitchen)
        sync_parties(contract)
        ContractParty.objects.filter(contract=contract).update(status="accepted")
        second = Member.objects.create(
            plan=tenant.payer, member_id="Alpha-M2", first_name="Bo", last_name="Second",
            birth_date=date(1948, 2, 2), sex="M", product="dsnp", county="Erie, NY")
        EnrolmentSpan.objects.create(member=second, start=date(2025, 1, 1))
        MemberAccess.objects.create(member=second, organisation=tenant.hub, reason="program")
    first = refer(tenant)
    with scopes_disabled():
        other = services.create_referral(
            member=second, organisation=tenant.cbo, hub=tenant.hub, service_code="HDM",
            contract_code="T-MEALS", acting=acting_as(tenant.users["hub_coordinator"], tenant.hub),
            assignee=tenant.users["cbo_worker"])
    return contract, kitchen, first, other


def _remove_pantry(tenant: Tenant, contract: Contract, kitchen: Organisation) -> Departure:
    with scopes_disabled():
        save_contract_details(contract, [kitchen],
                              acting=acting_as(tenant.users["hub_admin"], tenant.hub))
        return Departure.objects.get(contract=contract, organisation=tenant.cbo)


def _party(contract: Contract, org: Organisation) -> str | None:
    with scopes_disabled():
        row = ContractParty.objects.filter(contract=contract, organisation=org).first()
        return row.role if row else None


def test_removed_cbo_keeps_its_open_referrals_until_rerouted_or_finished(tenant, setup) -> None:  # type: ignore[no-untyped-def]
    contract, kitchen, first, other = setup
    departure = _remove_pantry(tenant, contract, kitchen)
    assert departure.left_at is None and departure.started_by == "hub"
    with scopes_disabled():
        # Off the delivering list (no new work), still a party while its referrals run.
        assert list(contract.delivering_cbos.all()) == [kitchen]
    assert _party(contract, tenant.cbo) == "leaving"
    pantry_super = signed_in(tenant.users["cbo_supervisor"], tenant.cbo)
    worker = signed_in(tenant.users["cbo_worker"], tenant.cbo)
    assert pantry_super.get("/contracts/T-MEALS/").status_code == 200
    assert worker.get(f"/referrals/{first.pk}/").status_code == 200
    assert worker.get(f"/referrals/{other.pk}/").status_code == 200

    # The hub's page lists both with their choices.
    hub = signed_in(tenant.users["hub_coordinator"], tenant.hub)
    page = hub.get("/referrals/leaving/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Alpha Pantry leaving T-MEALS" in text and "Second, Bo" in text
    assert "Reroute to" in text and "Alpha Kitchen" in text

    # Rerouted: the referral and the member's access move to the kitchen.
    response = hub.post(f"/referrals/leaving/{departure.pk}/{first.pk}/",
                        {"choice": "reroute", "organisation": kitchen.pk,
                         "version": first.version})
    assert response.status_code == 302
    with scopes_disabled():
        first.refresh_from_db()
        assert first.organisation == kitchen
        assert not MemberAccess.objects.filter(member=first.member, organisation=tenant.cbo,
                                               reason="referral").exists()
    assert worker.get(f"/referrals/{first.pk}/").status_code == 404
    with scopes_disabled():
        departure.refresh_from_db()
    assert departure.left_at is None  # one open referral left
    assert _party(contract, tenant.cbo) == "leaving"

    # Let the other finish; its closing ends the departure.
    assert hub.post(f"/referrals/leaving/{departure.pk}/{other.pk}/",
                    {"choice": "finish"}).status_code == 302
    with scopes_disabled():
        departure.refresh_from_db()
        assert departure.let_finish == [other.pk]
        other.refresh_from_db()
        services.transition(other, other.version, "closed", close_reason="moved",
                            acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))
        departure.refresh_from_db()
    assert departure.left_at is not None
    assert _party(contract, tenant.cbo) is None
    assert pantry_super.get("/contracts/T-MEALS/").status_code == 404
    # Its finished referral stays its record of the work done (billing, audits).
    assert worker.get(f"/referrals/{other.pk}/").status_code == 200
    with scopes_disabled():
        kinds = [(e.action, e.detail) for e in AuditEvent.objects.filter(
            object_type="contract_departure", object_id=str(departure.pk)).order_by("pk")]
    assert [a for a, _ in kinds] == ["create", "update", "update"]
    assert kinds[0][1]["open_referrals"] == 2 and kinds[0][1]["started_by"] == "hub"
    assert kinds[1][1]["let_finish"] == other.pk
    assert kinds[2][1]["left_on"] == departure.left_at.date().isoformat()
    assert hub.get("/referrals/leaving/").content.decode().count("leaving T-MEALS") == 0


def test_a_cbo_without_open_referrals_leaves_at_once(tenant, setup) -> None:  # type: ignore[no-untyped-def]
    contract, kitchen, first, other = setup
    with scopes_disabled():
        for referral in (first, other):
            referral.refresh_from_db()
            services.transition(referral, referral.version, "closed", close_reason="moved",
                                acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))
    departure = _remove_pantry(tenant, contract, kitchen)
    assert departure.left_at is not None
    assert _party(contract, tenant.cbo) is None


def test_the_supervisor_withdraws_and_the_hub_is_asked(tenant, setup) -> None:  # type: ignore[no-untyped-def]
    contract, kitchen, first, other = setup
    pantry_super = signed_in(tenant.users["cbo_supervisor"], tenant.cbo)
    page = pantry_super.get("/contracts/T-MEALS/").content.decode()
    assert "Withdraw Alpha Pantry from this contract" in page
    # A reason is required; nothing changes without one.
    pantry_super.post("/contracts/T-MEALS/withdraw/", {"reason": " "})
    with scopes_disabled():
        assert not Departure.objects.exists()
    response = pantry_super.post("/contracts/T-MEALS/withdraw/",
                                 {"reason": "Our kitchen closes in March."})
    assert response.status_code == 302
    with scopes_disabled():
        departure = Departure.objects.get()
        assert departure.started_by == "cbo" and departure.reason == "Our kitchen closes in March."
        assert departure.requested_by == tenant.users["cbo_supervisor"]
        assert not contract.delivering_cbos.filter(pk=tenant.cbo.pk).exists()
    hub_admin = signed_in(tenant.users["hub_admin"], tenant.hub)
    detail = hub_admin.get("/contracts/T-MEALS/").content.decode()
    assert "Reroute their referrals or let them finish" in detail
    assert "Our kitchen closes in March." in hub_admin.get("/referrals/leaving/").content.decode()
    # The leaving CBO cannot withdraw twice; the kitchen's worker may not withdraw at all.
    assert pantry_super.post("/contracts/T-MEALS/withdraw/", {"reason": "again"}).status_code == 404


def test_reroute_goes_only_to_a_cbo_delivering_the_service_there(tenant, setup) -> None:  # type: ignore[no-untyped-def]
    contract, kitchen, first, other = setup
    departure = _remove_pantry(tenant, contract, kitchen)
    with scopes_disabled():
        outsider = make_org("cbo", "Alpha Outsider")
        Service.objects.create(organisation=outsider, service_type=ServiceType.objects.get(
            slug="nutrition"), name="Meals", status="active", coverage_counties=["Erie, NY"])
        with pytest.raises(services.ReferralError, match="does not deliver"):
            services.leaving.reroute_leaving(
                departure, first, first.version, outsider,
                acting=acting_as(tenant.users["hub_coordinator"], tenant.hub))
        first.refresh_from_db()
    assert first.organisation == tenant.cbo


def test_other_organisations_get_404(tenant, other_tenant, setup) -> None:  # type: ignore[no-untyped-def]
    contract, kitchen, first, other = setup
    departure = _remove_pantry(tenant, contract, kitchen)
    url = f"/referrals/leaving/{departure.pk}/{first.pk}/"
    stranger = signed_in(other_tenant.users["hub_admin"], other_tenant.hub)
    assert stranger.post(url, {"choice": "finish"}).status_code == 404
    assert "Alpha" not in stranger.get("/referrals/leaving/").content.decode()
    # Neither the leaving CBO nor the plan make the hub's choice.
    for user, org in ((tenant.users["cbo_supervisor"], tenant.cbo),
                      (tenant.users["payer_manager"], tenant.payer)):
        client = signed_in(user, org)
        assert client.post(url, {"choice": "finish"}).status_code == 404
        assert client.get("/referrals/leaving/").status_code == 404
    with scopes_disabled():
        departure.refresh_from_db()
    assert departure.let_finish == []
    # The other tenant's supervisor cannot withdraw a CBO from a contract it cannot see.
    other_super = signed_in(other_tenant.users["cbo_supervisor"], other_tenant.cbo)
    assert other_super.post("/contracts/T-MEALS/withdraw/", {"reason": "x"}).status_code == 404


def test_departures_refuse_a_cbo_that_does_not_deliver(tenant, setup) -> None:  # type: ignore[no-untyped-def]
    contract, kitchen, first, other = setup
    with scopes_disabled(), pytest.raises(departures.DepartureError, match="does not deliver"):
        departures.start(contract, tenant.hub, started_by="hub",
                         acting=acting_as(tenant.users["hub_admin"], tenant.hub))
    with scopes_disabled():
        assert not Departure.objects.exists()
        assert Referral.objects.filter(organisation=tenant.cbo, state="assigned").count() == 2
