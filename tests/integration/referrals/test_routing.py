"""Routing by the directory and the contract, against real rows: directory services with
their coverage, capacity and languages, the contract's delivering parties, the CBOs'
staff and open referrals. No patched readers."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.contracts.models import Contract, ContractParty
from carehub.contracts.services import sync_parties
from carehub.members.models import Member, MemberAccess
from carehub.referrals import services
from carehub.referrals.models import Referral
from carehub.referrals.routing import Router
from carehub.tenancy.models import Membership, Network, NetworkMember, Organisation
from tests.integration.conftest import Tenant, acting_as, make_org, make_user
from tests.integration.referrals.conftest import directory_service, refer

PANTRY_REASON = ("Alpha Pantry: delivers T-MEALS, offers nutrition in Erie County, accepting, "
                 "0 open referrals")


def second_cbo(t: Tenant, name: str = "Beta Kitchen", *, delivers: bool = True,
               staffed: bool = True) -> Organisation:
    """Another CBO of the tenant hub's network, delivering T-MEALS unless told not to."""
    with scopes_disabled():
        cbo = make_org("cbo", name)
        NetworkMember.objects.create(network=Network.objects.get(hub=t.hub), cbo=cbo,
                                     status="accepted", onboarded_by_hub=True)
        if staffed:
            make_user(f"{name.split()[0].lower()}-worker", cbo, "cbo_worker")
        if delivers:
            contract = Contract.objects.get(code="T-MEALS")
            contract.delivering_cbos.add(cbo)
            sync_parties(contract)
    return cbo


def decide(t: Tenant, member: Member | None = None, service_type: str = "nutrition"):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        contract = Contract.objects.get(code="T-MEALS")
        return Router(t.hub).decide(member or t.member, contract, service_type)


def bronx_member(t: Tenant, language: str = "") -> Member:
    with scopes_disabled():
        member = Member.objects.create(
            plan=t.payer, member_id="B-1", first_name="Bea", last_name="Bronx",
            birth_date="1948-03-02", sex="F", product="medicare_advantage",
            county="Bronx, NY", zip="10451", language=language)
        MemberAccess.objects.create(member=member, organisation=t.payer, reason="plan")
        MemberAccess.objects.create(member=member, organisation=t.hub, reason="program")
    return member


def test_the_cbo_covering_the_members_county_is_chosen_and_says_why(tenant, routable):
    decision = decide(tenant)
    assert decision.organisation == tenant.cbo
    assert decision.reason == PANTRY_REASON
    assert [c.organisation for c in decision.candidates] == [tenant.cbo]


def test_coverage_by_county_or_zip(tenant, contract):
    directory_service(tenant.cbo, counties=("Kings, NY",), zips=("10451",))
    member = bronx_member(tenant)
    assert decide(tenant, member).organisation == tenant.cbo
    assert "offers nutrition in zip 10451" in decide(tenant, member).reason
    # The tenant member lives in Erie County, which the service does not cover.
    refused = decide(tenant)
    assert refused.organisation is None
    assert refused.reason == "no CBO under T-MEALS covers Erie County for nutrition"


def test_a_cbo_offering_another_service_type_is_not_chosen(tenant, contract):
    directory_service(tenant.cbo, "tenancy-support")
    assert decide(tenant).reason == "no CBO under T-MEALS covers Erie County for nutrition"
    assert decide(tenant, service_type="Tenancy support").organisation == tenant.cbo


def test_service_type_matching_ignores_letter_case(tenant, routable):
    answers = {t: decide(tenant, service_type=t) for t in ("nutrition", "Nutrition",
                                                            "NUTRITION", " Nutrition ")}
    assert {d.organisation for d in answers.values()} == {tenant.cbo}
    assert {d.reason for d in answers.values()} == {PANTRY_REASON}
    assert decide(tenant, service_type="nutrtion").reason == (
        "'nutrtion' is not a service type of the directory.")


def test_only_cbos_delivering_under_the_contract_are_candidates(tenant, routable):
    outsider = second_cbo(tenant, "Beta Kitchen", delivers=False)
    directory_service(outsider)
    with scopes_disabled():
        Membership.objects.filter(organisation=tenant.cbo).update(is_active=False)
    decision = decide(tenant)
    assert decision.organisation is None
    assert decision.reason == (
        "no CBO under T-MEALS covers Erie County for nutrition (Alpha Pantry has no active "
        "staff; Beta Kitchen does not deliver under T-MEALS)")
    # A delivering party that has not accepted does not deliver either.
    with scopes_disabled():
        Membership.objects.filter(organisation=tenant.cbo).update(is_active=True)
        ContractParty.objects.filter(contract__code="T-MEALS", organisation=tenant.cbo).update(
            status="proposed")
    assert decide(tenant).organisation is None


def test_closed_capacity_is_skipped_and_a_waitlist_still_qualifies(tenant, contract):
    kitchen = second_cbo(tenant)
    directory_service(tenant.cbo, capacity="closed")
    waiting = directory_service(kitchen, capacity="waitlist")
    with scopes_disabled():
        waiting.waitlist_length = 4
        waiting.save()
    decision = decide(tenant)
    assert decision.organisation == kitchen
    assert decision.reason == ("Beta Kitchen: delivers T-MEALS, offers nutrition in Erie "
                               "County, waitlisting, 4 waiting, 0 open referrals")
    with scopes_disabled():
        waiting.capacity_status = "closed"
        waiting.save()
    assert decide(tenant).reason == (
        "no CBO under T-MEALS covers Erie County for nutrition (Alpha Pantry is closed to "
        "referrals; Beta Kitchen is closed to referrals)")


def test_a_cbo_without_active_staff_gets_no_work(tenant, contract):
    empty = second_cbo(tenant, "Empty Larder", staffed=False)
    directory_service(empty)
    directory_service(tenant.cbo)
    decision = decide(tenant)
    assert decision.organisation == tenant.cbo
    assert [c.organisation for c in decision.candidates] == [tenant.cbo]


def test_language_match_ranks_before_load_and_load_before_name(tenant, contract):
    kitchen = second_cbo(tenant)
    directory_service(tenant.cbo)
    directory_service(kitchen, languages=("English", "Spanish"))
    refer(tenant)  # Alpha Pantry has one open referral now
    member = bronx_member(tenant, language="Spanish")
    with scopes_disabled():
        member.county = "Erie, NY"
        member.save()
        member.refresh_from_db()
    decision = decide(tenant, member)
    assert decision.organisation == kitchen
    assert decision.reason == ("Beta Kitchen: delivers T-MEALS, offers nutrition in Erie "
                               "County, accepting, speaks Spanish, 0 open referrals")
    # Without a language to match, the lighter load wins: Beta Kitchen again (0 vs 1).
    with scopes_disabled():
        kitchen_service = kitchen.directory_services.get()
        kitchen_service.languages = ["English"]
        kitchen_service.save()
    assert [c.organisation.name for c in decide(tenant, member).candidates] == [
        "Beta Kitchen", "Alpha Pantry"]


def test_no_candidate_holds_the_referral_in_the_hubs_queue_with_the_reason(tenant, contract,
                                                                           login_as):
    directory_service(tenant.cbo)  # Erie County only
    member = bronx_member(tenant)
    coordinator = tenant.users["hub_coordinator"]
    with scopes_disabled():
        contract_row = Contract.objects.get(code="T-MEALS")
        placement = services.place_referral(
            member=member, hub=tenant.hub, contract=contract_row, service_code="HDM",
            acting=acting_as(coordinator, tenant.hub))
        referral = Referral.objects.get(pk=placement.referral.pk)
    reason = "no CBO under T-MEALS covers Bronx County for nutrition"
    assert (referral.organisation, referral.needs_routing, referral.routing_reason) == (
        tenant.hub, True, reason)
    client = login_as(coordinator)
    queue = client.get(reverse("referrals:needs_routing"))
    assert queue.status_code == 200 and reason in queue.content.decode()
    assert [r.pk for r in queue.context["rows"]] == [referral.pk]
    home = client.get("/").content.decode()
    assert "1 needs routing" in home
    assert 'href="/referrals/hub/needs-routing/"' in home  # the nav link and the card
    page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "Needs routing" in page and reason in page
    # The CBO never sees it: it was not placed there.
    assert login_as(tenant.users["cbo_worker"]).get(
        reverse("referrals:detail", args=[referral.pk])).status_code == 404

    # Routing again once the directory covers the Bronx places it.
    directory_service(tenant.cbo, counties=("Bronx, NY",), name="Bronx meals")
    answer = client.post(reverse("referrals:route_queued", args=[referral.pk]),
                         {"version": referral.version}, follow=True)
    assert answer.status_code == 200
    with scopes_disabled():
        referral.refresh_from_db()
    assert (referral.organisation, referral.needs_routing, referral.routed_by_override) == (
        tenant.cbo, False, False)
    assert referral.routing_reason.startswith(
        "Alpha Pantry: delivers T-MEALS, offers nutrition in Bronx County")
    assert client.get(reverse("referrals:needs_routing")).context["rows"] == []


def test_the_coordinator_overrides_only_with_a_reason(tenant, contract, login_as):
    member = bronx_member(tenant)  # nobody covers the Bronx
    coordinator = acting_as(tenant.users["hub_coordinator"], tenant.hub)
    with scopes_disabled():
        contract_row = Contract.objects.get(code="T-MEALS")
        with pytest.raises(services.ReferralError, match="reason"):
            services.place_referral(member=member, hub=tenant.hub, contract=contract_row,
                                    service_code="HDM", organisation=tenant.cbo,
                                    acting=coordinator)
        assert not Referral.objects.exists()
        placement = services.place_referral(
            member=member, hub=tenant.hub, contract=contract_row, service_code="HDM",
            organisation=tenant.cbo, override_reason="the pantry delivers across the river",
            acting=coordinator)
        referral = Referral.objects.get(pk=placement.referral.pk)
        audited = AuditEvent.objects.filter(object_type="referral", object_id=str(referral.pk),
                                            action="update").get()
    assert (referral.organisation, referral.needs_routing, referral.routed_by_override,
            referral.override_reason) == (tenant.cbo, False, True,
                                          "the pantry delivers across the river")
    assert referral.routing_reason == "no CBO under T-MEALS covers Bronx County for nutrition"
    assert audited.detail["override"] is True
    assert audited.detail["reason"] == "the pantry delivers across the river"
    page = login_as(tenant.users["hub_coordinator"]).get(
        reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "Organisation chosen by the hub coordinator: the pantry delivers across the river" in page


def test_route_from_queue_to_a_chosen_cbo_needs_a_reason(tenant, contract, login_as):
    member = bronx_member(tenant)
    with scopes_disabled():
        placement = services.place_referral(
            member=member, hub=tenant.hub, contract=Contract.objects.get(code="T-MEALS"),
            service_code="HDM", acting=acting_as(tenant.users["hub_coordinator"], tenant.hub))
    referral = placement.referral
    client = login_as(tenant.users["hub_coordinator"])
    url = reverse("referrals:route_queued", args=[referral.pk])
    refused = client.post(url, {"version": referral.version, "organisation": tenant.cbo.pk},
                          HTTP_HX_REQUEST="true")
    assert refused.status_code == 400
    assert "Say why you chose this organisation" in refused.content.decode()
    done = client.post(url, {"version": referral.version, "organisation": tenant.cbo.pk,
                             "reason": "member asked for them"}, HTTP_HX_REQUEST="true")
    assert done.status_code == 200 and done["HX-Redirect"] == reverse("referrals:needs_routing")
    with scopes_disabled():
        referral.refresh_from_db()
    assert (referral.organisation, referral.routed_by_override, referral.override_reason) == (
        tenant.cbo, True, "member asked for them")
    # Another hub's coordinator cannot reach it.
    other = make_tenant_hub_user(tenant)
    assert login_as(other).post(url, {"version": referral.version}).status_code == 404


def make_tenant_hub_user(t: Tenant):  # type: ignore[no-untyped-def]
    from tests.integration.conftest import make_tenant

    return make_tenant("Zeta").users["hub_coordinator"]


def test_reroute_requires_a_reason(tenant, routable):
    referral = refer(tenant)
    kitchen = second_cbo(tenant)
    with scopes_disabled():
        with pytest.raises(services.ReferralError, match="reason"):
            services.reroute(referral, referral.version, kitchen, reason="  ",
                             acting=acting_as(tenant.users["hub_coordinator"], tenant.hub))
        moved = services.reroute(referral, referral.version, kitchen, reason="closer to home",
                                 acting=acting_as(tenant.users["hub_coordinator"], tenant.hub))
    assert (moved.organisation, moved.routed_by_override, moved.override_reason) == (
        kitchen, True, "closer to home")


def test_the_queue_is_paginated_oldest_first(tenant, contract, login_as):
    with scopes_disabled():
        contract_row = Contract.objects.get(code="T-MEALS")
        hub = acting_as(tenant.users["hub_coordinator"], tenant.hub)
        router = Router(tenant.hub)
        made = []
        for i in range(51):
            member = Member.objects.create(
                plan=tenant.payer, member_id=f"Q-{i}", first_name="Q", last_name=f"Q{i:02d}",
                birth_date="1950-01-01", sex="F", product="medicaid", county="Bronx, NY")
            MemberAccess.objects.create(member=member, organisation=tenant.hub, reason="program")
            made.append(services.place_referral(
                member=member, hub=tenant.hub, contract=contract_row, service_code="HDM",
                acting=hub, router=router).referral.pk)
    client = login_as(tenant.users["hub_coordinator"])
    first = client.get(reverse("referrals:needs_routing"))
    assert [r.pk for r in first.context["rows"]] == made[:50]
    second = client.get(reverse("referrals:needs_routing"), {"page": 2})
    assert [r.pk for r in second.context["rows"]] == made[50:]
    assert "Page 2 of 2 · 51 waiting" in second.content.decode()


def test_the_coordinator_form_shows_the_decision(tenant, routable, login_as):
    client = login_as(tenant.users["hub_coordinator"])
    page = client.get(reverse("referrals:new"))
    assert page.status_code == 200
    form = page.context["form"]
    with scopes_disabled():
        contract_row = Contract.objects.get(code="T-MEALS")
        hdm = contract_row.service_definitions.get(code="HDM")
    assert form.fields["contract"].choices == [
        ("", "Choose a contract"), (contract_row.pk, "T-MEALS T-MEALS (paid by Alpha Plan)")]
    assert form.fields["organisation"].choices == [("", "Routing chooses"),
                                                   (tenant.cbo.pk, "Alpha Pantry")]
    assert ("nutrition", "Nutrition") in form.fields["service_type"].choices
    services_html = client.get(reverse("referrals:contract_services"),
                               {"contract": contract_row.pk}).content.decode()
    assert "HDM Home-delivered meal" in services_html
    found = client.get(reverse("referrals:member_search"), {"q": "alphamember"})
    assert f'value="{tenant.member.pk}"' in found.content.decode()
    answer = client.post(reverse("referrals:new"), {
        "member": tenant.member.pk, "contract": contract_row.pk, "service": hdm.pk,
        "service_type": "nutrition"})
    assert answer.status_code == 200
    assert PANTRY_REASON in answer.content.decode()
    # A chosen organisation without a reason is refused, naming the field.
    again = client.post(reverse("referrals:new"), {
        "member": tenant.member.pk, "contract": contract_row.pk, "service": hdm.pk,
        "organisation": tenant.cbo.pk})
    assert again.status_code == 400
    assert again.context["form"].errors["override_reason"] == [
        "Say why you chose this organisation instead of routing."]
