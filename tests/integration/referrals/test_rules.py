"""Contract rules at the door (referrals.rules): every rule against real contract rows, and
every way a referral is made going through the one rule module."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.contracts.models import Contract, ContractParty, EscalationLevel, ServiceDefinition
from carehub.members.models import EnrolmentSpan, Member, MemberAccess
from carehub.referrals import services
from carehub.referrals.contract_terms import DEFAULT_ESCALATION, rules_for
from carehub.referrals.models import RankedList, Referral, ReferralEvent
from carehub.referrals.rules import check_referral
from tests.integration.conftest import Tenant, make_org
from tests.integration.kinds.helpers import finish
from tests.integration.referrals.conftest import (
    acting_as,
    contract_with_terms,
    deliver_under,
    directory_service,
    refer,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate

MEALS_CRITERIA = """population: post-discharge-meals
as_of: 2026-01-01
require:
  product: [medicare_advantage, dsnp]
  age: {min: 18}
  geography: {counties: ["Erie, NY"], zips: ["14201"]}
  enrolled: true
exclude:
  hospice: true
"""


def operating(t: Tenant, code: str = "T-MEALS", **fields: Any) -> Contract:
    return contract_with_terms(t, code, **fields)


def fresh(contract: Contract) -> Contract:
    with scopes_disabled():
        return Contract.objects.get(pk=contract.pk)


def update(contract: Contract, **fields: Any) -> Contract:
    with scopes_disabled():
        Contract.objects.filter(pk=contract.pk).update(**fields)
    return fresh(contract)


def hdm(contract: Contract) -> ServiceDefinition:
    with scopes_disabled():
        return ServiceDefinition.objects.get(contract=contract, code="HDM")


def rules_broken(t: Tenant, contract: Contract, *, member: Member | None = None,
                 organisation: Any = None, hub: Any = None,
                 service: ServiceDefinition | None = None, as_of: date | None = None
                 ) -> dict[str, str]:
    with scopes_disabled():
        problems = check_referral(member=member or t.member, contract=contract,
                                  service=service or hdm(contract),
                                  organisation=organisation or t.cbo, as_of=as_of or TODAY(),
                                  hub=hub)
    return {p.rule: p.message for p in problems}


def change_member(t: Tenant, **fields: Any) -> Member:
    with scopes_disabled():
        Member.objects.filter(pk=t.member.pk).update(**fields)
        return Member.objects.get(pk=t.member.pk)


# Each rule.

def test_an_operating_contract_lets_its_own_member_in(tenant):
    assert rules_broken(tenant, operating(tenant)) == {}


def test_a_contract_not_accepted_by_both_sides_is_not_in_effect(tenant):
    contract = operating(tenant)
    with scopes_disabled():
        ContractParty.objects.filter(contract=contract, role="provider").update(status="proposed")
    assert rules_broken(tenant, contract) == {
        "contract_in_effect": "T-MEALS is not in effect: both the plan and the provider must "
                              "accept it."}


def test_the_contract_dates_bound_it(tenant):
    contract = operating(tenant, starts=date(2025, 1, 1), ends=date(2025, 12, 31),
                         baa_signed_on=date(2024, 6, 1))
    assert rules_broken(tenant, contract, as_of=date(2024, 12, 31)) == {
        "contract_in_effect": "T-MEALS starts on 2025-01-01."}
    assert rules_broken(tenant, contract, as_of=date(2026, 1, 1)) == {
        "contract_in_effect": "T-MEALS ended on 2025-12-31."}
    assert rules_broken(tenant, contract, as_of=date(2025, 6, 1)) == {}


@pytest.mark.parametrize("stage, refused", [("scoping", True), ("pre_launch", True),
                                            ("implementation", False), ("renewal", False),
                                            ("wind_down", True)])
def test_referrals_are_taken_from_implementation_on(tenant, stage, refused):
    broken = rules_broken(tenant, operating(tenant, stage=stage))
    assert ("contract_stage" in broken) is refused
    if stage == "scoping":
        assert broken["contract_stage"] == (
            "T-MEALS is at scoping; referrals are taken from implementation on.")


def test_the_baa_must_be_signed_where_required(tenant):
    contract = operating(tenant, baa_signed_on=None)
    assert rules_broken(tenant, contract) == {
        "baa": "T-MEALS requires a business associate agreement and it is not signed."}
    assert rules_broken(tenant, update(contract, baa_required=False)) == {}


def test_the_service_must_be_the_contracts(tenant):
    contract = operating(tenant)
    other = operating(tenant, "T-OTHER")
    broken = rules_broken(tenant, contract, service=hdm(other))
    assert broken == {"service": "HDM is not a service of T-MEALS; its services are HDM and "
                                 "NUTR."}


def test_another_plans_contract_is_refused_without_naming_that_plan(tenant, other_tenant):
    operating(tenant)
    theirs = operating(other_tenant, "O-MEALS")
    broken = rules_broken(tenant, theirs, organisation=other_tenant.cbo)
    assert broken == {"payer": "There is no contract O-MEALS paid by Alpha Plan."}


def test_the_organisation_must_deliver_under_the_contract(tenant):
    contract = operating(tenant)
    with scopes_disabled():
        stranger = make_org("cbo", "Alpha Stranger")
    assert rules_broken(tenant, contract, organisation=stranger) == {
        "organisation": "Alpha Stranger does not deliver under T-MEALS: referrals go to the "
                        "provider or one of its delivering CBOs."}
    assert rules_broken(tenant, contract, organisation=tenant.hub) == {}  # the provider
    deliver_under("T-MEALS", stranger, tenant.hub)
    assert rules_broken(tenant, contract, organisation=stranger) == {}


def test_a_delivering_cbo_that_left_the_network_takes_nothing(tenant):
    from carehub.tenancy.models import NetworkMember

    contract = operating(tenant)
    with scopes_disabled():
        NetworkMember.objects.filter(cbo=tenant.cbo).update(left=date(2025, 1, 1))
    assert "organisation" in rules_broken(tenant, contract)


def test_the_hub_must_be_the_provider(tenant, other_tenant):
    contract = operating(tenant)
    assert rules_broken(tenant, contract, hub=other_tenant.hub) == {
        "hub": "Omega Hub is not the provider of T-MEALS."}


def test_products_are_the_contracts(tenant):
    contract = operating(tenant, criteria=MEALS_CRITERIA)
    change_member(tenant, zip="14201")
    assert rules_broken(tenant, contract) == {}
    member = change_member(tenant, product="medicaid")
    assert rules_broken(tenant, contract, member=member) == {
        "product": "T-MEALS covers Medicare Advantage and Dual-eligible special needs plan "
                   "members; this member is on Medicaid."}


def test_ages_are_the_contracts(tenant):
    contract = operating(tenant, criteria=MEALS_CRITERIA)
    member = change_member(tenant, birth_date=TODAY() - timedelta(days=7 * 366))
    assert rules_broken(tenant, contract, member=member) == {
        "age": "T-MEALS covers members aged 18 or more; this member is 7."}


def test_geography_is_the_contracts_counties_or_zips(tenant):
    contract = operating(tenant, criteria=MEALS_CRITERIA)
    assert rules_broken(tenant, contract, member=change_member(tenant, county="erie, ny")) == {}
    assert rules_broken(tenant, contract,
                        member=change_member(tenant, county="Kings, NY", zip="14201-1234")) == {}
    member = change_member(tenant, county="Bronx, NY", zip="10451")
    assert rules_broken(tenant, contract, member=member) == {
        "geography": "T-MEALS covers members in Erie, NY and zip 14201; this member lives in "
                     "Bronx, NY, zip 10451."}


def test_members_in_hospice_are_excluded(tenant):
    contract = operating(tenant, criteria=MEALS_CRITERIA)
    member = change_member(tenant, hospice=True)
    assert rules_broken(tenant, contract, member=member) == {
        "hospice": "T-MEALS excludes members in hospice; this member is in hospice."}


def test_risk_scores_and_primary_care_are_the_contracts(tenant):
    contract = operating(tenant, criteria="population: p\nas_of: 2026-01-01\nrequire:\n"
                                          "  risk_score: {min: 1.5}\n  pcp_npi: ['1234567890']\n")
    member = change_member(tenant, risk_score="1.200", pcp_npi="1234567890")
    assert rules_broken(tenant, contract, member=member) == {
        "risk_score": "T-MEALS covers members with a risk score of 1.5 or more; this "
                      "member's is 1.200."}
    member = change_member(tenant, risk_score="2.000", pcp_npi="999")
    assert set(rules_broken(tenant, contract, member=member)) == {"pcp_npi"}


def test_enrolment_on_the_day_is_required(tenant):
    contract = operating(tenant, criteria=MEALS_CRITERIA)
    change_member(tenant, zip="14201")
    with scopes_disabled():
        EnrolmentSpan.objects.filter(member=tenant.member).update(end=date(2025, 6, 30))
    broken = rules_broken(tenant, contract, as_of=date(2025, 7, 1))
    assert broken == {"enrolled": "T-MEALS covers members enrolled on 2025-07-01; this member "
                                  "is not enrolled."}


def test_unreadable_criteria_refuse_and_say_so(tenant):
    contract = operating(tenant, criteria="require: {colour: blue}\n")
    broken = rules_broken(tenant, contract)
    assert set(broken) == {"criteria"}
    assert broken["criteria"].startswith("The eligible population of T-MEALS cannot be read")


def test_the_volume_limit_of_the_period(tenant):
    contract = operating(tenant, max_volume=1, volume_period="month")
    refer(tenant)
    with scopes_disabled():
        other = Member.objects.create(plan=tenant.payer, member_id="Alpha-M2", first_name="Bo",
                                      last_name="Two", birth_date=date(1950, 1, 1), sex="M",
                                      product="dsnp", county="Erie, NY")
    assert rules_broken(tenant, contract, member=other) == {
        "volume": "T-MEALS takes at most 1 referrals this month; 1 are made."}
    # Referrals of an earlier month do not count this month.
    with scopes_disabled():
        Referral.objects.update(created_at=timezone.now() - timedelta(days=40))
    assert rules_broken(tenant, contract, member=other) == {}


# One reader of the contract's rules.

def test_rules_for_reads_the_contract_rows_and_typed_terms_once(tenant):
    contract = operating(tenant, max_outreach_attempts=5, per_day=2)
    with scopes_disabled():
        EscalationLevel.objects.create(contract=contract, level=1, role="cbo_supervisor",
                                       response_hours=12)
        EscalationLevel.objects.create(contract=contract, level=2, role="hub_admin",
                                       response_hours=36)
    contract = fresh(contract)
    rules = rules_for(contract)
    assert rules.max_attempts == 5
    assert rules.timing("HDM") is not None and rules.timing("HDM").hours == 24
    assert rules.timing("NUTR") is None
    assert rules.escalation == ((1, "cbo_supervisor", 12), (2, "hub_admin", 36))
    assert not rules.escalation_is_default
    assert rules.funds is not None and str(rules.funds.per_member) == "100.00"
    assert rules.funds.categories == ("utilities", "gas", "groceries")
    assert rules.service("HDM").max_units_per_member_per_day == 2
    assert rules.service("HDM").in_terms and not rules.service("NUTR").in_terms
    assert rules_for(contract) is rules  # loaded once for the contract in hand


def test_a_contract_without_levels_uses_the_documented_default(tenant):
    rules = rules_for(operating(tenant))
    assert rules.escalation == DEFAULT_ESCALATION and rules.escalation_is_default


def test_a_referral_without_a_contract_is_refused_work_that_needs_its_rules(tenant, contract):
    referral = refer(tenant)
    with scopes_disabled():
        Referral.objects.filter(pk=referral.pk).update(contract=None, service=None)
        referral = Referral.objects.get(pk=referral.pk)
        worker = acting_as(tenant.users["cbo_worker"], tenant.cbo)
        with pytest.raises(services.ReferralError, match="has no contract"):
            services.raise_escalation(referral, barrier="other", description="x", acting=worker)
        with pytest.raises(services.ReferralError, match="has no contract"):
            services.transition(referral, referral.version, "closed",
                                close_reason="unreachable", acting=worker)


# The referral and its rows point at the contract by key.

def test_a_referral_and_its_rows_carry_the_keys(tenant, contract):
    referral = refer(tenant)
    with scopes_disabled():
        referral = Referral.objects.get(pk=referral.pk)
        found = Contract.objects.get(code="T-MEALS")
        assert (referral.contract, referral.service.code) == (found, "HDM")
        assert (referral.contract_code, referral.service_code, referral.service_type) == (
            "T-MEALS", "HDM", "nutrition")


def test_the_migration_fills_keys_from_codes_only_for_the_plans_own_contract(tenant,
                                                                             other_tenant):
    import importlib

    from django.db import connection

    contract_with_terms(tenant)
    fill = importlib.import_module(
        "carehub.referrals.migrations.0004_contract_foreign_keys").FILL
    with scopes_disabled():
        own = Referral.objects.create(member=tenant.member, plan=tenant.payer,
                                      organisation=tenant.cbo, contract_code="T-MEALS",
                                      service_code="HDM")
        foreign = Referral.objects.create(member=other_tenant.member, plan=other_tenant.payer,
                                          organisation=other_tenant.cbo,
                                          contract_code="T-MEALS", service_code="HDM")
        typo = Referral.objects.create(member=tenant.member, plan=tenant.payer,
                                       organisation=tenant.cbo, contract_code="T-MEAL",
                                       service_code="NUTR")
        with connection.cursor() as cursor:
            for sql in fill:
                cursor.execute(sql)
        rows = {r.pk: (r.contract_id, r.service_id) for r in Referral.objects.all()}
        found = Contract.objects.get(code="T-MEALS")
    assert rows[own.pk] == (found.pk, hdm(found).pk)
    assert rows[foreign.pk] == (None, None)
    assert rows[typo.pk] == (None, None)


# Every entry point goes through the rules.

def test_create_referral_refuses_and_names_every_rule(tenant):
    operating(tenant, stage="scoping", baa_signed_on=None)
    with scopes_disabled(), pytest.raises(services.RuleRefused) as refused:
        refer(tenant)
    assert {p.rule for p in refused.value.problems} == {"contract_stage", "baa"}
    assert str(refused.value).startswith("Referral not made: T-MEALS is at scoping")
    with scopes_disabled():
        assert not Referral.objects.exists()


def test_a_hub_administrator_may_override_with_a_reason_which_is_recorded(tenant, login_as):
    operating(tenant, criteria=MEALS_CRITERIA)
    member = change_member(tenant, zip="14201", product="medicaid")
    coordinator = acting_as(tenant.users["hub_coordinator"], tenant.hub)
    admin = acting_as(tenant.users["hub_admin"], tenant.hub)
    kw = {"member": member, "organisation": tenant.cbo, "hub": tenant.hub,
          "contract_code": "T-MEALS", "service_code": "HDM"}
    with scopes_disabled():
        with pytest.raises(services.RuleRefused, match="only a hub administrator"):
            services.create_referral(**kw, override_reason="urgent", acting=coordinator)
        with pytest.raises(services.RuleRefused):
            services.create_referral(**kw, override_reason="   ", acting=admin)
        referral = services.create_referral(
            **kw, override_reason="Medicare Advantage starts next month", acting=admin)
        event = ReferralEvent.objects.get(referral=referral, kind="rules_override")
        audit = AuditEvent.objects.get(action="create", object_type="referral",
                                       object_id=str(referral.pk))
    assert "Medicare Advantage starts next month" in event.note and "product" in event.note
    assert audit.detail["override_reason"] == "Medicare Advantage starts next month"
    assert audit.detail["rules_overridden"] == ["product"]
    page = login_as(tenant.users["hub_admin"]).get(f"/referrals/{referral.pk}/").content.decode()
    assert "Contract rules overridden" in page and "Medicare Advantage starts next" in page


@pytest.mark.parametrize("rule", ["baa", "contract_in_effect", "payer", "organisation"])
def test_the_contracts_relationships_and_baa_are_never_overridden(tenant, other_tenant, rule):
    contract = operating(tenant, baa_signed_on=None if rule == "baa" else date(2025, 1, 1))
    member, organisation = tenant.member, tenant.cbo
    with scopes_disabled():
        if rule == "contract_in_effect":
            ContractParty.objects.filter(contract=contract, role="payer").update(
                status="proposed")
        if rule == "payer":
            member = other_tenant.member
        if rule == "organisation":
            organisation = make_org("cbo", "Alpha Stranger")
        with pytest.raises(services.RuleRefused, match="cannot be overridden") as refused:
            services.create_referral(
                member=member, organisation=organisation, hub=tenant.hub, contract=contract,
                service_code="HDM", override_reason="please",
                acting=acting_as(tenant.users["hub_admin"], tenant.hub))
        assert rule in [p.rule for p in refused.value.problems]
        assert not Referral.objects.exists()


def test_the_hub_form_shows_the_refusal_and_the_admin_overrides_it(tenant, login_as):
    contract = operating(tenant, stage="pre_launch")
    body = {"member": tenant.member.pk, "contract": contract.pk, "service": hdm(contract).pk,
            "organisation": tenant.cbo.pk, "override_reason": "the member knows them"}
    coordinator = login_as(tenant.users["hub_coordinator"])
    assert "rules_override_reason" not in coordinator.get(
        reverse("referrals:new")).context["form"].fields  # only administrators override
    answer = coordinator.post(reverse("referrals:new"), body)
    assert answer.status_code == 400
    assert "T-MEALS is at pre-launch; referrals are taken from implementation on." in (
        answer.content.decode())
    answer = login_as(tenant.users["hub_admin"]).post(
        reverse("referrals:new"), {**body, "rules_override_reason": "launch moved up a week"})
    assert answer.status_code == 200, answer.content.decode()
    with scopes_disabled():
        made = Referral.objects.get()
        assert made.organisation == tenant.cbo
        override = ReferralEvent.objects.get(kind="rules_override")
    assert "launch moved up a week" in override.note


def test_the_plan_form_is_refused_by_the_population_rule(tenant, login_as):
    contract = operating(tenant, criteria=MEALS_CRITERIA)
    change_member(tenant, product="commercial")
    answer = login_as(tenant.users["payer_manager"]).post(reverse("referrals:plan_refer"), {
        "member": tenant.member.pk, "contract": contract.pk, "service": hdm(contract).pk})
    assert answer.status_code == 400
    assert "this member is on Commercial" in answer.content.decode()
    with scopes_disabled():
        assert not Referral.objects.exists()



def test_the_hub_form_shows_a_refusal_beside_the_form_with_the_choices_kept(tenant, login_as):
    contract = operating(tenant, criteria=MEALS_CRITERIA)
    change_member(tenant, product="medicaid")
    answer = login_as(tenant.users["hub_coordinator"]).post(reverse("referrals:new"), {
        "member": tenant.member.pk, "contract": contract.pk, "service": hdm(contract).pk})
    body = answer.content.decode()
    assert answer.status_code == 400
    # In the form's error region (role="alert"), not a banner above the page.
    region = body.split("data-form-errors", 1)[1].split("</div></div>", 1)[0]
    assert "Referral not made: T-MEALS covers Medicare Advantage" in region
    assert "this member is on Medicaid." in region
    assert body.count("this member is on Medicaid") == 1
    assert f'value="{hdm(contract).pk}" selected' in body
    with scopes_disabled():
        assert not Referral.objects.exists()

def roster_members(t: Tenant, rows: list[tuple[str, str, str]]) -> None:
    with scopes_disabled():
        for member_id, product, county in rows:
            member = Member.objects.create(plan=t.payer, member_id=member_id, first_name="N",
                                           last_name=member_id, birth_date=date(1950, 1, 1),
                                           sex="F", product=product, county=county)
            EnrolmentSpan.objects.create(member=member, start=date(2025, 1, 1))
            MemberAccess.objects.create(member=member, organisation=t.payer, reason="plan")


RANKED = "member_id,rank,selected\nR1,1,true\nR2,2,true\nR3,3,true\n"


def test_ranked_list_assignment_reports_refused_members_by_name(tenant):
    operating(tenant, criteria=MEALS_CRITERIA.replace(', zips: ["14201"]', ""))
    roster_members(tenant, [("R1", "dsnp", "Erie, NY"), ("R2", "medicaid", "Erie, NY"),
                            ("R3", "dsnp", "Bronx, NY")])
    directory_service(tenant.cbo)
    with scopes_disabled():
        stranger = make_org("cbo", "Alpha Stranger")
    from carehub.members.imports import parse_ranked_list

    rows = parse_ranked_list("r.csv", [dict(zip(["member_id", "rank", "selected"], line.split(","),
                                                strict=True))
                                       for line in RANKED.splitlines()[1:]])
    plan = acting_as(tenant.users["payer_manager"], tenant.payer)
    with scopes_disabled():
        ranked, _ = services.save_ranked_list(tenant.payer, rows, name="June",
                                              contract_code="T-MEALS", service_code="HDM",
                                              hub=tenant.hub, acting=plan)
        result = services.assign_ranked_list(ranked, [stranger, tenant.cbo], acting=plan)
        made = list(Referral.objects.values_list("member__member_id", "organisation_id",
                                                 "contract__code"))
    assert made == [("R1", tenant.cbo.pk, "T-MEALS")]
    assert result.created == 1 and result.cbos_skipped == ("Alpha Stranger",)
    assert [(r.member_id, [p.rule for p in r.problems]) for r in result.refused] == [
        ("R2", ["product"]), ("R3", ["geography"])]


def test_a_ranked_list_under_a_contract_not_operating_assigns_nothing(tenant):
    operating(tenant, stage="pre_launch")
    roster_members(tenant, [("R1", "dsnp", "Erie, NY")])
    from carehub.members.imports import RankedRow

    plan = acting_as(tenant.users["payer_manager"], tenant.payer)
    with scopes_disabled():
        ranked, _ = services.save_ranked_list(
            tenant.payer, [RankedRow(2, "R1", 1, True, "", {})], name="June",
            contract_code="T-MEALS", service_code="HDM", hub=tenant.hub, acting=plan)
        with pytest.raises(services.RuleRefused, match="Ranked list June not assigned"):
            services.assign_ranked_list(ranked, [tenant.cbo], acting=plan)
        assert not Referral.objects.exists()


def test_a_ranked_list_needs_a_contract_of_the_plan_and_one_of_its_services(tenant,
                                                                            other_tenant):
    operating(tenant)
    operating(other_tenant, "O-MEALS")
    roster_members(tenant, [("R1", "dsnp", "Erie, NY")])
    from carehub.members.imports import RankedRow

    plan = acting_as(tenant.users["payer_manager"], tenant.payer)
    rows = [RankedRow(2, "R1", 1, True, "", {})]
    with scopes_disabled():
        with pytest.raises(services.ReferralError,
                           match="There is no contract O-MEALS paid by Alpha Plan"):
            services.save_ranked_list(tenant.payer, rows, name="x", contract_code="O-MEALS",
                                      service_code="HDM", acting=plan)
        with pytest.raises(services.ReferralError, match="CM is not a service of T-MEALS"):
            services.save_ranked_list(tenant.payer, rows, name="x", contract_code="T-MEALS",
                                      service_code="CM", acting=plan)
        assert not RankedList.objects.exists()


def test_the_upload_page_lists_the_members_the_rules_refused(tenant, login_as):
    operating(tenant, criteria=MEALS_CRITERIA.replace(', zips: ["14201"]', ""),
              hub_may_upload_members=True)
    roster_members(tenant, [("R1", "dsnp", "Erie, NY"), ("R2", "medicaid", "Erie, NY"),
                            ("R3", "dsnp", "Erie, NY")])
    answer = login_as(tenant.users["hub_coordinator"]).post(reverse("referrals:upload"), {
        "kind": "ranked", "plan": tenant.payer.pk, "contract_code": "T-MEALS",
        "service_code": "HDM", "hub": tenant.hub.pk, "assign": "on",
        "file": SimpleUploadedFile("ranked.csv", RANKED.encode(), content_type="text/csv")})
    job = finish(answer)
    page = login_as(tenant.users["hub_coordinator"]).get(job.result_url).content.decode()
    assert "Not referred: the contract" in page
    assert "R2</td><td>T-MEALS covers Medicare Advantage and Dual-eligible special needs plan " \
           "members; this member is on Medicaid." in page
    with scopes_disabled():
        assert sorted(Referral.objects.values_list("member__member_id", flat=True)) == ["R1",
                                                                                      "R3"]


def test_the_import_command_with_assign_reports_refused_members(tenant, tmp_path, capsys):
    operating(tenant, criteria=MEALS_CRITERIA.replace(', zips: ["14201"]', ""))
    roster_members(tenant, [("R1", "dsnp", "Erie, NY"), ("R2", "medicaid", "Erie, NY"),
                            ("R3", "dsnp", "Erie, NY")])
    path = tmp_path / "ranked.csv"
    path.write_text(RANKED)
    call_command("import_members", "ranked", str(path), "--plan", tenant.payer.slug,
                 "--contract", "T-MEALS", "--service", "HDM", "--hub", tenant.hub.slug,
                 "--assign")
    out = capsys.readouterr().out
    assert "2 referrals created" in out and "1 refused by the contract's rules" in out
    assert "refused R2: T-MEALS covers Medicare Advantage" in out


def test_the_import_command_refuses_a_list_under_a_contract_not_operating(tenant, tmp_path,
                                                                          capsys):
    operating(tenant, baa_signed_on=None)
    roster_members(tenant, [("R1", "dsnp", "Erie, NY")])
    path = tmp_path / "ranked.csv"
    path.write_text("member_id,rank,selected\nR1,1,true\n")
    with pytest.raises(SystemExit) as exit_:
        call_command("import_members", "ranked", str(path), "--plan", tenant.payer.slug,
                     "--contract", "T-MEALS", "--service", "HDM", "--hub", tenant.hub.slug,
                     "--assign")
    assert exit_.value.code == 2
    assert "requires a business associate agreement" in capsys.readouterr().err


def api_post(client: Any, body: dict[str, Any]) -> Any:
    return client.post("/api/referrals/referrals", json.dumps(body),
                       content_type="application/json")


def test_the_api_makes_a_referral_through_the_rules(tenant, other_tenant, login_as):
    operating(tenant, criteria=MEALS_CRITERIA.replace(', zips: ["14201"]', ""))
    hub = login_as(tenant.users["hub_coordinator"])
    made = api_post(hub, {"member": tenant.member.member_id, "contract": "T-MEALS",
                          "service": "HDM", "organisation": tenant.cbo.pk,
                          "routing_reason": "the member knows them"})
    assert made.status_code == 200, made.content
    assert made.json()["contract"] == "T-MEALS" and made.json()["organisation"] == "Alpha Pantry"
    again = api_post(hub, {"member": tenant.member.member_id, "contract": "T-MEALS",
                           "service": "HDM"})
    assert again.status_code == 409 and "already owns outreach" in again.json()["message"]
    change_member(tenant, product="medicaid")
    refused = api_post(hub, {"member": tenant.member.member_id, "contract": "T-MEALS",
                             "service": "NUTR"})
    assert refused.status_code == 422
    assert [p["rule"] for p in refused.json()["problems"]] == ["product"]
    # Another plan's hub: its contract code is not this hub's, the member is not its own.
    operating(other_tenant, "O-MEALS")
    omega = login_as(other_tenant.users["hub_coordinator"])
    assert api_post(omega, {"member": tenant.member.member_id, "contract": "T-MEALS",
                            "service": "NUTR"}).status_code == 422
    assert api_post(omega, {"member": tenant.member.member_id, "contract": "O-MEALS",
                            "service": "HDM"}).status_code == 404
    # A worker may not make referrals.
    assert api_post(login_as(tenant.users["cbo_worker"]), {
        "member": tenant.member.member_id, "contract": "T-MEALS"}).status_code == 404


def test_the_plan_refers_through_the_api(tenant, login_as):
    operating(tenant)
    directory_service(tenant.cbo)  # routing places it at the CBO covering the member
    made = api_post(login_as(tenant.users["payer_manager"]), {
        "member": tenant.member.member_id, "contract": "T-MEALS", "service": "HDM"})
    assert made.status_code == 200, made.content
    with scopes_disabled():
        referral = Referral.objects.get()
    assert (referral.hub, referral.organisation, referral.source) == (tenant.hub, tenant.cbo,
                                                                      "api")


# One plan cannot refer under, nor see in an activity export, another plan's contract.

def test_another_plans_hub_cannot_refer_under_this_plans_contract(tenant, other_tenant,
                                                                  login_as, capsys):
    operating(tenant)
    operating(other_tenant, "O-MEALS")
    omega = acting_as(other_tenant.users["hub_coordinator"], other_tenant.hub)
    with scopes_disabled(), pytest.raises(services.RuleRefused,
                                          match="There is no contract T-MEALS paid by Omega"):
        services.create_referral(member=other_tenant.member, organisation=other_tenant.cbo,
                                 hub=other_tenant.hub, contract_code="T-MEALS",
                                 service_code="HDM", acting=omega)
    with scopes_disabled():
        theirs = Contract.objects.get(code="T-MEALS")
    answer = login_as(other_tenant.users["hub_coordinator"]).post(reverse("referrals:new"), {
        "member": other_tenant.member.pk, "contract": theirs.pk, "service": hdm(theirs).pk,
        "organisation": other_tenant.cbo.pk, "override_reason": "walked"})
    assert answer.status_code == 400
    assert "contract" in answer.context["form"].errors
    # A row that slipped in before the rules (another plan's referral under T-MEALS, by
    # code and even by key) is not in T-MEALS's activity.
    walk = refer(tenant)
    with scopes_disabled():
        found = Contract.objects.get(code="T-MEALS")
        Referral.objects.create(member=other_tenant.member, plan=other_tenant.payer,
                                hub=tenant.hub, organisation=tenant.cbo, contract=found,
                                service=hdm(found), contract_code="T-MEALS",
                                service_code="HDM", state="enrolled", enrolled_on=TODAY())
        Referral.objects.filter(pk=walk.pk).update(state="enrolled", enrolled_on=TODAY())
    from carehub.referrals.activity import PeriodError, build_activity

    period = TODAY().strftime("%Y-%m")
    data = build_activity("T-MEALS", period)
    assert [a["member"] for a in data["attribution"]] == ["Alpha-M1"]
    assert build_activity("T-MEALS", period, plan=tenant.payer) == data
    with pytest.raises(PeriodError, match="contract 'T-MEALS' not found"):
        build_activity("T-MEALS", period, plan=other_tenant.payer)
    with pytest.raises(SystemExit):
        call_command("activity", "--contract", "T-MEALS", "--period", period,
                     "--plan", other_tenant.payer.slug)
    assert "contract 'T-MEALS' not found" in capsys.readouterr().err


def test_the_plans_progress_export_filters_by_its_own_contract(tenant, other_tenant, login_as):
    import csv
    import io

    operating(tenant)
    operating(tenant, "T-SECOND")
    operating(other_tenant, "O-MEALS")
    refer(tenant)
    with scopes_disabled():
        services.create_referral(member=tenant.member, organisation=tenant.cbo, hub=tenant.hub,
                                 contract_code="T-SECOND", service_code="NUTR",
                                 acting=acting_as(tenant.users["hub_coordinator"], tenant.hub))
    client = login_as(tenant.users["payer_manager"])
    url = reverse("referrals:plan_export")

    def rows(query: str) -> list[tuple[str, str]]:
        answer = client.get(url + query)
        assert answer.status_code == 200
        return [(r["contract"], r["service"])
                for r in csv.DictReader(io.StringIO(answer.content.decode()))]

    assert sorted(rows("")) == [("T-MEALS", "HDM"), ("T-SECOND", "NUTR")]
    assert rows("?contract=T-SECOND") == [("T-SECOND", "NUTR")]
    assert client.get(url + "?contract=O-MEALS").status_code == 404
    assert client.get(url + "?contract=NOWHERE").status_code == 404


def test_checking_a_ranked_list_takes_the_same_queries_whatever_its_length(tenant):
    """The rules are checked member by member in memory: a list of thirty costs the
    queries of a list of three."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from carehub.members.imports import RankedRow

    operating(tenant, criteria=MEALS_CRITERIA.replace(', zips: ["14201"]', ""))
    plan = acting_as(tenant.users["payer_manager"], tenant.payer)

    def assign(prefix: str, size: int) -> int:
        roster_members(tenant, [(f"{prefix}{i}", "dsnp" if i % 3 else "medicaid", "Erie, NY")
                                for i in range(size)])
        rows = [RankedRow(i + 2, f"{prefix}{i}", i + 1, True, "", {}) for i in range(size)]
        with scopes_disabled():
            ranked, _ = services.save_ranked_list(
                tenant.payer, rows, name=prefix, contract_code="T-MEALS", service_code="HDM",
                hub=tenant.hub, source_bytes=prefix.encode(), acting=plan)
            ranked = RankedList.objects.get(pk=ranked.pk)
            with CaptureQueriesContext(connection) as queries:
                result = services.assign_ranked_list(ranked, [tenant.cbo], acting=plan)
        assert result.created + len(result.refused) == size
        assert len(result.refused) == len(range(0, size, 3))  # the Medicaid members
        return len(queries)

    assert assign("S", 3) == assign("L", 30)
