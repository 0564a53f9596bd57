"""Shared set-up of the lines, submissions and fee schedule tests: a hub contract whose
terms bill home-delivered meals (HDM, S5170-U1) as claims, a CBO delivering under it, an
enrolled referral and deliveries in November 2026."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import yaml
from django_scopes import scopes_disabled

from carehub.billing.models import ContractBilling, FeeSchedule, FeeScheduleRow
from carehub.contracts.models import Contract, TermsVersion
from carehub.core.terms import parse_terms_text
from carehub.referrals.models import Referral, ServiceDelivery
from tests.integration.conftest import Tenant, accepted_contract

PERIOD = "2026-11"
TERMS = """\
contract: {code}
payer: {payer}
provider: {provider}
effective: {effective}
ends: 2030-12-31
billing: {billing}
services:
  - code: HDM
    name: Home-delivered meal
    unit: meal
    rate: "7.35"
    hcpcs: S5170
    modifiers: [U1]
  - code: NAV
    name: Housing navigation
    unit: visit
    rate: "40.00"
    hcpcs: H0043
    modifiers: [U6]
components:
  - id: meals
    type: fee_for_service
    label: Meals and navigation
    mlr: medical
    services: [HDM, NAV]
"""


def add_terms(contract: Contract, t: Tenant, *, version: int, effective: date,
              billing: str, by_provider: dict[str, str] | None = None) -> None:
    text = TERMS.format(code=contract.code, payer=t.payer.slug, provider=t.hub.slug,
                        effective=effective.isoformat(), billing=billing)
    if by_provider:
        text += "billing_by_provider:\n" + "".join(f"  {slug}: {mode}\n"
                                                   for slug, mode in by_provider.items())
    parse_terms_text(text, "terms.yaml")
    document = json.loads(json.dumps(yaml.safe_load(text), default=str))
    with scopes_disabled():
        TermsVersion.objects.create(contract=contract, version=version, effective=effective,
                                    document=document, source_text=text)


def claims_contract(t: Tenant, code: str = "T-CLAIMS", *, billing: str = "claims",
                    schedule: bool = True) -> Contract:
    """A contract in effect between the tenant's plan and hub with the CBO delivering; the
    CBO has an NPI; a hub fee schedule with S5170-U1 (3 a day) and H0043-U6."""
    contract = accepted_contract(t.payer, t.hub, code, delivering=[t.cbo],
                                 stage="implementation", baa_signed_on=date(2025, 1, 1))
    add_terms(contract, t, version=1, effective=date(2025, 1, 1), billing=billing)
    with scopes_disabled():
        t.cbo.npi = "1234567893"
        t.cbo.tin = "123456789"
        t.cbo.save()
        t.hub.npi, t.hub.tin = "1245319599", "987654321"
        t.hub.save()
        t.member.address, t.member.city, t.member.state, t.member.zip = (
            "1 Main St", "Buffalo", "NY", "14201")
        t.member.product = "medicaid"
        t.member.save()
        fee = None
        if schedule:
            fee, _ = FeeSchedule.objects.get_or_create(owner=t.hub, name=f"{t.hub.slug} fees")
            FeeScheduleRow.objects.get_or_create(
                schedule=fee, position=1, service="Home-delivered meal", code="S5170",
                modifiers="U1", unit="meal", rate=Decimal("7.35"), effective=date(2025, 1, 1),
                per_day=3, verification="verified", source="hub contract")
            FeeScheduleRow.objects.get_or_create(
                schedule=fee, position=2, service="Housing navigation", code="H0043",
                modifiers="U6", unit="visit", rate=Decimal("40.00"),
                effective=date(2025, 1, 1), verification="verified", source="hub contract")
        ContractBilling.objects.create(contract=contract, fee_schedule=fee)
    return contract


def enrolled_referral(t: Tenant, contract: Contract, *, service_code: str = "HDM",
                      member=None, enrolled_on: date = date(2026, 10, 1),  # type: ignore[no-untyped-def]
                      service_type: str = "nutrition", state: str = "in_service") -> Referral:
    from carehub.members.models import MemberAccess

    with scopes_disabled():
        # As a referral does: the CBO that owns it may read the member.
        MemberAccess.objects.get_or_create(member=member or t.member, organisation=t.cbo,
                                           defaults={"reason": "referral"})
        return Referral.objects.create(
            member=member or t.member, plan=t.payer, hub=t.hub, organisation=t.cbo,
            contract=contract, contract_code=contract.code, service_code=service_code,
            service_type=service_type, state=state, enrolled_on=enrolled_on)


def deliver(referral: Referral, on: date, units: int = 1, setting: str = "home",
            note: str = "") -> ServiceDelivery:
    with scopes_disabled():
        return ServiceDelivery.objects.create(
            referral=referral, member=referral.member, organisation=referral.organisation,
            contract=referral.contract, contract_code=referral.contract_code,
            service_code=referral.service_code, date=on, units=units, setting=setting,
            note=note, at=datetime(2026, 11, 30, tzinfo=UTC))


def add_sites(t: Tenant) -> None:
    """Directory sites giving the hub (submitter) a phone and the CBO (billing provider)
    an address with a ZIP+4, as the 837P needs."""
    from carehub.network.models import Location

    with scopes_disabled():
        for org, street in ((t.hub, "10 Hub Plaza"), (t.cbo, "22 Pantry Lane")):
            Location.objects.create(organisation=org, name=f"{org.name} office",
                                    address_1=street, city="Buffalo", state_province="NY",
                                    postal_code="14201-1234", phone="716-555-0100")
