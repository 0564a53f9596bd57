"""The demo obeys its own rules: every seeded referral fits its contract, every CBO given
work has staff, and open escalations sit where the contract's pathway puts them.

`contract_problems` reads the contract rows directly (stage, BAA, products, ages,
hospice, enrolment, services, delivering list, directory coverage and staff). When
`carehub.referrals.rules.check_referral` lands it replaces this helper.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import yaml
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.contracts.models import Contract, EscalationLevel, ServiceDefinition, Stage
from carehub.core.eligibility import parse_criteria
from carehub.demo import seed as demo
from carehub.members.models import Member
from carehub.network.models import Service
from carehub.referrals.models import Escalation, Referral
from carehub.tenancy.models import Membership, Organisation

pytestmark = pytest.mark.django_db


def _age(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def contract_problems(*, member: Member, contract: Contract | None, service_code: str,
                      organisation: Organisation, as_of: date) -> list[str]:
    """Why a referral of `member` to `organisation` under `contract` breaks its rules."""
    if contract is None:
        return ["no contract"]
    problems = []
    if contract.stage != Stage.IMPLEMENTATION:
        problems.append(f"contract in {contract.stage}")
    if contract.baa_required and (contract.baa_signed_on is None or contract.baa_signed_on > as_of):
        problems.append("BAA not signed")
    if (contract.starts and as_of < contract.starts) or (contract.ends and as_of > contract.ends):
        problems.append(f"{as_of} outside the contract's term")
    definition = ServiceDefinition.objects.filter(contract=contract, code=service_code).first()
    if definition is None:
        problems.append(f"service {service_code} not in the contract")
    criteria = parse_criteria(yaml.safe_load(contract.criteria))
    require, exclude = criteria.require, criteria.exclude
    if require.product is not None and member.product not in require.product:
        problems.append(f"product {member.product}")
    if require.age is not None and not require.age.holds(_age(member.birth_date, as_of)):
        problems.append(f"age {_age(member.birth_date, as_of)}")
    if exclude.hospice and member.hospice:
        problems.append("hospice")
    if require.enrolled and not member.enrolment_spans.filter(start__lte=as_of).exclude(
            end__lt=as_of).exists():
        problems.append(f"not enrolled on {as_of}")
    if not contract.delivering_cbos.filter(pk=organisation.pk).exists():
        problems.append(f"{organisation.name} does not deliver under {contract.code}")
    if definition is not None:
        offers = Service.objects.filter(organisation=organisation, status="active",
                                        service_type=definition.service_type)
        if not offers.exists():
            problems.append(f"{organisation.name} does not offer {definition.service_type.slug}")
        elif not any(member.county in o.coverage_counties or member.zip in o.coverage_zips
                     for o in offers):
            problems.append(f"{organisation.name} does not cover {member.county} {member.zip}")
    roles = set(Membership.objects.filter(organisation=organisation, is_active=True)
                .values_list("role", flat=True))
    if not {"cbo_supervisor", "cbo_worker"} <= roles:
        problems.append(f"{organisation.name} has no supervisor and worker")
    return problems


def referral_problems(referral: Referral) -> list[str]:
    contract = Contract.objects.filter(code=referral.contract_code).first()
    return contract_problems(member=referral.member, contract=contract,
                             service_code=referral.service_code,
                             organisation=referral.organisation,
                             as_of=referral.anchor_date or referral.created_at.date())


@pytest.fixture
def seeded():  # type: ignore[no-untyped-def]
    return demo.seed(members=400, log=lambda s: None)


def test_every_seeded_referral_fits_its_contract(seeded) -> None:  # type: ignore[no-untyped-def]
    with scopes_disabled():
        referrals = list(Referral.objects.select_related("member", "organisation"))
        assert len(referrals) >= 150
        broken = {r.pk: p for r in referrals if (p := referral_problems(r))}
        # Work reaches every meals partner, each in its own county.
        assert {r.organisation.slug for r in referrals} == {
            "westside-food-wellness", "salt-city-care-connections", "brooklyn-bridges-family"}
    assert broken == {}


def test_the_check_finds_a_referral_outside_its_contract(seeded) -> None:  # type: ignore[no-untyped-def]
    """The helper can fail: a Medicaid child in Monroe at a housing CBO breaks six rules."""
    with scopes_disabled():
        contract = Contract.objects.get(code="DEMO-MEALS")
        member = Member.objects.filter(product="medicaid", county="Monroe, NY").first()
        assert member is not None
        member.birth_date = seeded.today - timedelta(days=7 * 365)
        housing = Organisation.objects.get(slug="buffalo-neighborhood-housing")
        problems = contract_problems(member=member, contract=contract, service_code="HDM",
                                     organisation=housing, as_of=seeded.today)
        assert "product medicaid" in problems
        assert "age 6" in problems or "age 7" in problems
        assert any("does not deliver under DEMO-MEALS" in p for p in problems)
        assert any("does not offer nutrition" in p for p in problems)
        assert any("has no supervisor and worker" in p for p in problems)
        scoping = contract_problems(member=member, contract=Contract.objects.get(code="DEMO-CM"),
                                    service_code="CM", organisation=housing, as_of=seeded.today)
        assert "contract in scoping" in scoping and "BAA not signed" in scoping


def test_the_scoping_contract_gets_no_referrals(seeded) -> None:  # type: ignore[no-untyped-def]
    with scopes_disabled():
        assert Contract.objects.get(code="DEMO-CM").stage == Stage.SCOPING
        assert not Referral.objects.filter(contract_code="DEMO-CM").exists()


def test_every_cbo_with_work_has_an_active_supervisor_and_worker(seeded) -> None:  # type: ignore[no-untyped-def]
    with scopes_disabled():
        holding = set(Referral.objects.values_list("organisation_id", flat=True))
        assert len(holding) == 3
        for org_id in holding:
            memberships = Membership.objects.filter(organisation_id=org_id, is_active=True)
            for role in ("cbo_supervisor", "cbo_worker"):
                # People, not the partner systems' inactive machine users.
                staff = memberships.filter(role=role, user__is_active=True).select_related("user")
                assert staff.exists(), (org_id, role)
                # Demo people sign in with the demo password and are listed in DEMO_PEOPLE.
                for m in staff:
                    assert m.user.username in demo.DEMO_PEOPLE
                    assert m.user.check_password(demo.DEMO_PASSWORD)
        # Each referral's worker works for the CBO holding it.
        for referral in Referral.objects.filter(assignee__isnull=False):
            assert Membership.objects.filter(user_id=referral.assignee_id, is_active=True,
                                             organisation_id=referral.organisation_id).exists()


def test_open_escalations_sit_at_the_pathway_level_for_their_age(seeded) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    with scopes_disabled():
        rows = list(Escalation.objects.filter(resolved_at__isnull=True))
        assert {row.level for row in rows} == {1, 2}
        for row in rows:
            pathway = list(EscalationLevel.objects.filter(contract__code=row.contract_code)
                           .order_by("level"))
            assert pathway, row.contract_code
            # Unanswered, an escalation moves up when each level's hours run out.
            elapsed, expected = 0, pathway[-1]
            for level in pathway:
                elapsed += level.response_hours
                if now - row.raised_at < timedelta(hours=elapsed):
                    expected = level
                    break
            assert (row.level, row.role) == (expected.level, expected.role), row.pk
            assert row.due_at > now
