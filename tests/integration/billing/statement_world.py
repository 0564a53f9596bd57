"""A contract with terms from 2026-01-01 and a member enrolled from December 2025, whose
deliveries the statement tests place on chosen days (builders for
test_statements*.py)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import yaml
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.contracts.models import Contract, ServiceDefinition, TermsVersion
from carehub.core.terms import parse_terms_text
from carehub.network.models import ServiceType
from carehub.referrals.models import Referral, ServiceDelivery
from tests.integration.conftest import Tenant, accepted_contract
from tests.integration.referrals.conftest import refer, walk_to

CODE = "T-MEALS"
HEAD = """\
contract: {code}
payer: {payer}
provider: {provider}
effective: 2026-01-01
ends: 2026-12-31
billing: {billing}
{extra}services:
  - code: HDM
    name: Home-delivered meal
    unit: meal
    rate: "7.50"
    hcpcs: S5170
    modifiers: [U1]
components:
"""
PREPAYMENT = """\
  - id: advance
    type: prepayment
    mlr: admin
    amount: "1000.00"
    recoup_rate: "0.25"
"""
MEALS = """\
  - id: meals
    type: fee_for_service
    mlr: medical
    services: [HDM]
"""
CAPITATION = """\
  - id: care
    type: capitation
    mlr: quality
    pmpm: "300.00"
    member_month_rule: first_of_month
"""


def billing_contract(t: Tenant, *components: str, billing: str = "invoice",
                     extra: str = "") -> Contract:
    text = HEAD.format(code=CODE, payer=t.payer.slug, provider=t.hub.slug,
                       billing=billing, extra=extra) + "".join(components)
    parse_terms_text(text, "terms.yaml")
    document = json.loads(json.dumps(yaml.safe_load(text), default=str))
    found = accepted_contract(t.payer, t.hub, CODE, delivering=[t.cbo],
                              stage="implementation", baa_signed_on=date(2025, 1, 1))
    with scopes_disabled():
        ServiceDefinition.objects.create(
            contract=found, code="HDM", name="Home-delivered meal",
            service_type=ServiceType.objects.get(slug="nutrition"), setting="home",
            timing_hours=24, timing_anchor="referral")
        TermsVersion.objects.create(contract=found, version=1, effective=date(2026, 1, 1),
                                    document=document, source_text=text)
    return found


def enrolled_member(t: Tenant) -> Referral:
    """The tenant's member referred, enrolled from 2025-12-01 (attributed since)."""
    referral = walk_to(refer(t, CODE), t, "enrolled")
    with scopes_disabled():
        Referral.objects.filter(pk=referral.pk).update(enrolled_on=date(2025, 12, 1))
        return Referral.objects.get(pk=referral.pk)


def deliver(referral: Referral, contract: Contract, day: date, units: int) -> ServiceDelivery:
    with scopes_disabled():
        return ServiceDelivery.objects.create(
            referral=referral, member=referral.member, organisation=referral.organisation,
            contract=contract, contract_code=contract.code, service_code="HDM", date=day,
            units=units, setting="home", at=timezone.now())


def amounts(statement: Any) -> dict[str, str]:
    """label -> amount of an issued statement's stored lines, as exact strings."""
    with scopes_disabled():
        return {line.label: str(line.amount) for line in statement.lines.all()}
