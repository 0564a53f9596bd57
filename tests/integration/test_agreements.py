"""Trust between organisations only by agreement: a contract takes effect, and a CBO
takes part in a hub's network, only once both sides have accepted. Until then nothing
flows: no uploads, referrals, assignments or member data."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.contracts import selectors
from carehub.contracts.models import Contract, ContractParty
from carehub.members.models import Member, MemberAccess
from carehub.referrals.models import RankedList, Referral
from carehub.tenancy.access import network_cbos, organisations_managed_by
from carehub.tenancy.models import NetworkMember
from tests.integration.conftest import accepted_contract, acting_as
from tests.integration.kinds.helpers import finish
from tests.integration.referrals.conftest import contract_with_terms

pytestmark = pytest.mark.django_db
UPLOAD = reverse("referrals:upload")
ROSTER_HEADER = "member_id,first_name,last_name,birth_date,sex,product,enroll_start,enroll_end\n"


def roster(member_id: str, last_name: str = "Changed") -> SimpleUploadedFile:
    text = ROSTER_HEADER + f"{member_id},Eve,{last_name},1950-02-03,F,medicaid,2025-01-01,\n"
    return SimpleUploadedFile("roster.csv", text.encode(), content_type="text/csv")


def ranked(member_id: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("ranked.csv", f"member_id,rank,selected\n{member_id},1,true\n"
                              .encode(), content_type="text/csv")


def propose(client, payer, provider, code: str = "X-MEALS"):  # type: ignore[no-untyped-def]
    return client.post(reverse("contracts:new"), {
        "code": code, "name": "Meals", "payer": payer.pk, "provider": provider.pk,
        "renewal_notice_months": "4", "max_outreach_attempts": "3"})


def member_row(member: Member) -> tuple:
    with scopes_disabled():
        m = Member.objects.get(pk=member.pk)
    return (m.first_name, m.last_name, m.birth_date, m.address)


def test_a_one_sided_contract_lets_a_hub_do_nothing_with_another_plan(tenant, other_tenant,
                                                                       login_as):
    """The penetration test's finding: Alpha Hub proposes a contract naming Omega Plan and
    tries to upload Omega's roster and ranked list."""
    admin = login_as(tenant.users["hub_admin"])
    response = propose(admin, other_tenant.payer, tenant.hub)
    assert response.status_code == 302
    with scopes_disabled():
        contract = Contract.objects.get(code="X-MEALS")
        parties = dict(ContractParty.objects.filter(contract=contract)
                       .values_list("organisation_id", "status"))
    assert parties == {tenant.hub.pk: "accepted", other_tenant.payer.pk: "proposed"}
    assert not selectors.is_in_effect(contract)
    page = admin.get(reverse("contracts:list")).content.decode()
    assert "Awaiting countersignature from Omega Plan" in page

    coordinator = login_as(tenant.users["hub_coordinator"])
    form = coordinator.get(UPLOAD).context["form"]
    assert other_tenant.payer.pk not in [pk for pk, _ in form.fields["plan"].choices]
    before = member_row(other_tenant.member)
    response = coordinator.post(UPLOAD, {"kind": "roster", "plan": other_tenant.payer.pk,
                                         "file": roster(other_tenant.member.member_id)})
    assert response.status_code == 400 and "plan" in response.context["form"].errors
    response = coordinator.post(UPLOAD, {
        "kind": "ranked", "plan": other_tenant.payer.pk, "contract_code": "X-MEALS",
        "service_code": "HDM", "hub": tenant.hub.pk, "assign": "on",
        "file": ranked(other_tenant.member.member_id)})
    assert response.status_code == 400 and "plan" in response.context["form"].errors
    assert member_row(other_tenant.member) == before
    with scopes_disabled():
        assert not Member.objects.filter(plan=other_tenant.payer).exclude(
            pk=other_tenant.member.pk).exists()
        assert not MemberAccess.objects.filter(member__plan=other_tenant.payer,
                                               organisation__in=[tenant.hub, tenant.cbo]).exists()
        assert not Referral.objects.exists() and not RankedList.objects.exists()
    assert coordinator.get(reverse("members:detail", args=[other_tenant.member.pk])
                           ).status_code == 404

    # Omega's manager sees the proposal, accepts it: in effect, but uploads still need
    # the plan's own permission.
    manager = login_as(other_tenant.users["payer_manager"])
    listing = manager.get(reverse("contracts:list")).content.decode()
    assert "Proposed by Alpha Hub" in listing
    assert manager.post(reverse("contracts:decide", args=["X-MEALS"]),
                        {"decision": "accept"}).status_code == 302
    assert selectors.is_in_effect(contract)
    response = coordinator.post(UPLOAD, {"kind": "roster", "plan": other_tenant.payer.pk,
                                         "file": roster(other_tenant.member.member_id)})
    assert response.status_code == 400 and "plan" in response.context["form"].errors
    assert member_row(other_tenant.member) == before

    # The hub cannot grant itself the permission; the plan can.
    assert admin.post(reverse("contracts:hub_uploads", args=["X-MEALS"]),
                      {"allowed": "1"}).status_code == 404
    assert manager.post(reverse("contracts:hub_uploads", args=["X-MEALS"]),
                        {"allowed": "1"}).status_code == 302
    response = coordinator.post(UPLOAD, {"kind": "roster", "plan": other_tenant.payer.pk,
                                         "file": roster(other_tenant.member.member_id)})
    assert finish(response).result["updated"] == 1
    assert member_row(other_tenant.member)[1] == "Changed"
    with scopes_disabled():
        actions = list(AuditEvent.objects.filter(object_type="contract_party",
                                                 object_id="X-MEALS")
                       .values_list("organisation_id", "detail"))
    assert actions == [(other_tenant.payer.pk, {"decision": "accepted", "role": "payer"})]


def test_a_plan_cannot_refer_into_a_hub_that_has_not_accepted(tenant, other_tenant, login_as):
    manager = login_as(other_tenant.users["payer_manager"])
    assert propose(manager, other_tenant.payer, tenant.hub, "OMEGA-ALPHA").status_code == 302
    with scopes_disabled():
        proposed = Contract.objects.get(code="OMEGA-ALPHA")
    refer_page = manager.get(reverse("referrals:plan_refer"))
    assert proposed.pk not in [pk for pk, _ in refer_page.context["form"].fields["contract"].choices]
    body = {"member": other_tenant.member.pk, "contract": proposed.pk}
    response = manager.post(reverse("referrals:plan_refer"), body)
    assert response.status_code == 400 and "contract" in response.context["form"].errors
    with scopes_disabled():
        assert not Referral.objects.exists()
        assert not MemberAccess.objects.filter(organisation=tenant.hub,
                                               member=other_tenant.member).exists()
    # Only Alpha's hub administrator decides for Alpha Hub.
    assert login_as(tenant.users["hub_coordinator"]).post(
        reverse("contracts:decide", args=["OMEGA-ALPHA"]), {"decision": "accept"}
    ).status_code == 404
    alpha = login_as(tenant.users["hub_admin"])
    detail = alpha.get(reverse("contracts:detail", args=["OMEGA-ALPHA"]))
    assert detail.status_code == 200 and detail.context["can_decide"]
    assert not detail.context["can_edit"]
    alpha.post(reverse("contracts:decide", args=["OMEGA-ALPHA"]), {"decision": "accept"})
    # Once in effect, the plan may refer under it.
    refer_page = manager.get(reverse("referrals:plan_refer"))
    assert proposed.pk in [pk for pk, _ in refer_page.context["form"].fields["contract"].choices]


def test_a_declined_contract_stays_out_of_effect(tenant, other_tenant, login_as):
    propose(login_as(tenant.users["hub_admin"]), other_tenant.payer, tenant.hub)
    manager = login_as(other_tenant.users["payer_manager"])
    manager.post(reverse("contracts:decide", args=["X-MEALS"]), {"decision": "decline"})
    with scopes_disabled():
        contract = Contract.objects.get(code="X-MEALS")
        party = ContractParty.objects.get(contract=contract, organisation=other_tenant.payer)
    assert (party.status, party.decided_by) == ("declined", other_tenant.users["payer_manager"])
    assert not selectors.is_in_effect(contract)
    # Decided once: a second answer is refused like a contract that does not exist.
    assert manager.post(reverse("contracts:decide", args=["X-MEALS"]),
                        {"decision": "accept"}).status_code == 404
    assert not selectors.is_in_effect(contract)
    assert "Declined by Omega Plan" in login_as(tenant.users["hub_admin"]).get(
        reverse("contracts:list")).content.decode()
    assert selectors.payers_in_effect(tenant.hub).count() == 0
    # A stranger may not decide at all.
    assert login_as(tenant.users["payer_manager"]).post(
        reverse("contracts:decide", args=["X-MEALS"]), {"decision": "accept"}
    ).status_code == 404


def test_a_network_invitation_gives_nothing_until_the_cbo_accepts(tenant, other_tenant,
                                                                  login_as):
    omega_pantry = other_tenant.cbo
    admin = login_as(tenant.users["hub_admin"])
    response = admin.post(reverse("portal:network_invite"), {"cbo": omega_pantry.pk})
    assert response.status_code == 302
    with scopes_disabled():
        invitation = NetworkMember.objects.get(network__hub=tenant.hub, cbo=omega_pantry)
    assert invitation.status == "invited"
    assert omega_pantry not in network_cbos(tenant.hub)
    assert omega_pantry not in organisations_managed_by(tenant.hub)
    assert admin.get(reverse("portal:organisation", args=[omega_pantry.pk])).status_code == 404
    assert admin.post(reverse("portal:user_new", args=[omega_pantry.pk]), {}).status_code == 404
    page = admin.get(reverse("portal:organisations")).content.decode()
    assert "Omega Pantry" in page and "Awaiting acceptance" in page
    # No work: the coordinator cannot route to it, and a ranked list is not assigned to it.
    coordinator = login_as(tenant.users["hub_coordinator"])
    assert omega_pantry not in coordinator.get(reverse("referrals:coordinator")).context["cbos"]
    contract_with_terms(tenant, "T-MEALS", hub_may_upload_members=True)
    response = coordinator.post(UPLOAD, {
        "kind": "ranked", "plan": tenant.payer.pk, "contract_code": "T-MEALS",
        "service_code": "HDM", "hub": tenant.hub.pk, "assign": "on",
        "file": ranked(tenant.member.member_id)})
    assert finish(response).status == "succeeded"
    with scopes_disabled():
        assert omega_pantry.pk not in set(Referral.objects.values_list("organisation_id",
                                                                       flat=True))
        assert not MemberAccess.objects.filter(organisation=omega_pantry,
                                               member=tenant.member).exists()

    # Another CBO's supervisor cannot answer for it.
    assert login_as(tenant.users["cbo_supervisor"]).post(
        reverse("portal:invitation_decide", args=[invitation.pk]), {"decision": "accept"}
    ).status_code == 404
    supervisor = login_as(other_tenant.users["cbo_supervisor"])
    assert "Alpha Hub invites you into its network" in supervisor.get("/").content.decode()
    page = supervisor.get(reverse("portal:cbo_networks")).content.decode()
    assert "Alpha Hub" in page and "Accept" in page
    assert supervisor.post(reverse("portal:invitation_decide", args=[invitation.pk]),
                           {"decision": "accept"}).status_code == 302
    assert omega_pantry in network_cbos(tenant.hub)
    assert admin.get(reverse("portal:organisation", args=[omega_pantry.pk])).status_code == 200
    with scopes_disabled():
        event = AuditEvent.objects.filter(object_type="network_invitation",
                                          action="update").get()
    assert event.detail == {"decision": "accepted", "hub": tenant.hub.pk}


def test_a_declined_invitation_leaves_the_cbo_out(tenant, other_tenant, login_as):
    admin = login_as(tenant.users["hub_admin"])
    admin.post(reverse("portal:network_invite"), {"cbo": other_tenant.cbo.pk})
    with scopes_disabled():
        invitation = NetworkMember.objects.get(network__hub=tenant.hub, cbo=other_tenant.cbo)
    login_as(other_tenant.users["cbo_supervisor"]).post(
        reverse("portal:invitation_decide", args=[invitation.pk]), {"decision": "decline"})
    invitation.refresh_from_db()
    assert invitation.status == "declined"
    assert other_tenant.cbo not in network_cbos(tenant.hub)
    # The hub may not put it on a contract either.
    response = admin.post(reverse("contracts:new"), {
        "code": "Y", "name": "Y", "payer": tenant.payer.pk, "provider": tenant.hub.pk,
        "delivering_cbos": [other_tenant.cbo.pk], "renewal_notice_months": "4",
        "max_outreach_attempts": "3"})
    assert response.status_code == 200 and "delivering_cbos" in response.context["form"].errors


def test_a_cbo_created_by_the_hub_is_onboarded_at_once(tenant, login_as):
    admin = login_as(tenant.users["hub_admin"])
    response = admin.post(reverse("portal:organisation_new"),
                          {"name": "New Pantry", "legal_name": "New Pantry Inc."})
    assert response.status_code == 302
    with scopes_disabled():
        member = NetworkMember.objects.get(cbo__name="New Pantry")
    assert (member.status, member.onboarded_by_hub) == ("accepted", True)
    assert member.cbo in network_cbos(tenant.hub)


def test_an_unknown_member_reads_the_same_whether_it_exists_elsewhere(tenant, other_tenant,
                                                                      login_as):
    # The plan's own list under a contract it pays a CBO under (none with the hub).
    accepted_contract(tenant.payer, tenant.cbo, "T-MEALS")
    manager = login_as(tenant.users["payer_manager"])

    def errors(member_id: str) -> list:
        response = manager.post(UPLOAD, {"kind": "ranked", "plan": tenant.payer.pk,
                                         "contract_code": "T-MEALS", "service_code": "HDM",
                                         "file": ranked(member_id)})
        job = finish(response)
        assert job.status == "failed"
        return [(e["where"], e["message"].replace(member_id, "ID")) for e in job.errors]

    elsewhere = errors(other_tenant.member.member_id)  # on Omega Plan's roster
    nowhere = errors("Omega-M9")
    assert elsewhere == nowhere == [("ranked.csv row 2, column member_id",
                                     "ID is not on Alpha Plan's roster")]

    # The hub's new-referral form: a member of a plan without a contract in effect with
    # the hub reads like one that does not exist.
    coordinator = login_as(tenant.users["hub_coordinator"])

    def refer(member_pk: int) -> list[str]:
        response = coordinator.post(reverse("referrals:new"), {"member": member_pk})
        assert response.status_code == 400
        return response.context["form"].errors["member"]

    assert refer(tenant.member.pk) == refer(10**9) == [
        "Choose a member: search by name or member id."]


def test_contract_rules_and_activity_ignore_a_contract_not_in_effect(tenant, other_tenant):
    """A proposal not yet accepted takes no referrals (the rule names why) and has no
    activity to export."""
    from django.core.management import call_command

    from carehub.contracts.services import create_contract
    from carehub.referrals.rules import check_referral

    with scopes_disabled():
        contract = Contract(code="P-ONLY", name="x", payer=tenant.payer,
                            provider=tenant.hub, max_outreach_attempts=9,
                            stage="implementation", baa_required=False)
        create_contract(contract, acting=acting_as(tenant.users["hub_admin"]))
        problems = check_referral(member=tenant.member, contract=contract, service=None,
                                  organisation=tenant.hub, as_of=date(2026, 1, 5))
    assert "contract_in_effect" in [p.rule for p in problems]
    with pytest.raises(SystemExit) as exit_info:
        call_command("activity", "--contract", "P-ONLY", "--period", "2026-01")
    assert exit_info.value.code == 2


def test_a_delivering_cbo_takes_part_only_under_a_contract_in_effect_and_in_the_network(
        tenant, other_tenant):
    from carehub.contracts.services import create_contract, decide_contract

    with scopes_disabled():
        contract = Contract(code="D-1", name="x", payer=tenant.payer, provider=tenant.hub)
        create_contract(contract, [tenant.cbo], acting=acting_as(tenant.users["hub_admin"]))
    assert list(selectors.contracts_in_effect(tenant.cbo)) == []
    assert list(selectors.contracts_in_effect(tenant.hub)) == []
    decide_contract(contract, True, acting=acting_as(tenant.users["payer_manager"]))
    assert list(selectors.contracts_in_effect(tenant.cbo)) == [contract]
    assert list(selectors.contracts_in_effect(tenant.payer)) == [contract]
    assert list(selectors.contracts_in_effect(other_tenant.cbo)) == []
    # Leaving the network ends its part, though it is still named on the contract.
    with scopes_disabled():
        NetworkMember.objects.filter(cbo=tenant.cbo).update(left="2026-01-31")
    assert list(selectors.contracts_in_effect(tenant.cbo)) == []
    assert list(selectors.contracts_in_effect(tenant.hub)) == [contract]


def test_a_contract_code_must_name_the_contract_in_effect_between_them(tenant, other_tenant,
                                                                        login_as):
    """Typed contract codes are checked too: a referral or ranked list cannot be filed under
    another relationship's contract, and the refusal reads the same whether it exists."""
    contract_with_terms(tenant, "ALPHA-MEALS", hub_may_upload_members=True)
    contract_with_terms(other_tenant, "OMEGA-MEALS")
    refused = {"OMEGA-MEALS": "There is no contract OMEGA-MEALS in effect",
               "NOWHERE": "There is no contract NOWHERE in effect"}
    with scopes_disabled():
        omega = Contract.objects.get(code="OMEGA-MEALS").pk
        alpha = Contract.objects.get(code="ALPHA-MEALS").pk
    manager = login_as(tenant.users["payer_manager"])
    coordinator = login_as(tenant.users["hub_coordinator"])
    # The referral forms offer only the contracts in effect between them: another
    # relationship's contract reads like one that does not exist.
    for client, url in ((manager, "referrals:plan_refer"), (coordinator, "referrals:new")):
        offered = [pk for pk, _ in client.get(reverse(url)).context["form"]
                   .fields["contract"].choices]
        assert offered == ["", alpha]
        answers = [client.post(reverse(url), {"member": tenant.member.pk, "contract": pk})
                   for pk in (omega, 10**9)]
        assert [a.status_code for a in answers] == [400, 400]
        assert (answers[0].context["form"].errors["contract"]
                == answers[1].context["form"].errors["contract"])
    for code, message in refused.items():
        response = coordinator.post(UPLOAD, {
            "kind": "ranked", "plan": tenant.payer.pk, "contract_code": code,
            "service_code": "HDM", "hub": tenant.hub.pk, "assign": "on",
            "file": ranked(tenant.member.member_id)})
        assert response.status_code == 400
        assert message in response.content.decode(), code
    with scopes_disabled():
        assert not Referral.objects.exists()
        assert not RankedList.objects.exists()
