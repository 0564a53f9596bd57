from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
import yaml
from django_scopes import scopes_disabled

from carehub.contracts.models import Contract, ServiceDefinition, TermsVersion
from carehub.contracts.services import sync_parties
from carehub.core.terms import parse_terms_text
from carehub.network.models import Service, ServiceType
from carehub.referrals import services
from carehub.referrals.models import Referral
from carehub.tenancy.models import Network, NetworkMember, Organisation
from tests.integration.conftest import Tenant, accepted_contract, acting_as, make_user  # noqa: F401  (acting_as is used here and by the referral tests)

# The terms of the referral tests' contract, in the format of core/terms.py: meals paid
# per unit, and a flexible-funds allocation of 100.00 a member for the term.
TERMS_YAML = """\
contract: {code}
payer: {payer}
provider: {provider}
effective: 2025-01-01
ends: 2030-12-31
billing: invoice
services:
  - code: HDM
    name: Home-delivered meal
    unit: meal
    rate: "7.50"
components:
  - id: meals
    type: fee_for_service
    label: Post-discharge meals
    mlr: medical
    services: [HDM]{per_day}
  - id: funds
    type: flexible_funds
    label: Flexible funds
    mlr: medical
    per_member: "100.00"
    per: term
    categories: [utilities, gas, groceries]
"""


def contract_with_terms(t: Tenant, code: str = "T-MEALS", *, timing_hours: int | None = 24,
                        per_day: int | None = None, **fields: Any) -> Contract:
    """A contract in effect between the tenant's plan and hub, with a service definition
    for HDM (first contact due `timing_hours` after the referral) and its terms stored as
    the contracts app stores them: the rows the referral code reads in production. It is
    at implementation with its BAA signed unless `fields` say otherwise; `per_day` limits
    the meals a member may get a day."""
    # Operating and with its BAA signed, so the rules at the door let referrals in.
    fields.setdefault("stage", "implementation")
    fields.setdefault("baa_signed_on", date(2025, 1, 1))
    limit = f"\n    max_units_per_member_per_day: {per_day}" if per_day is not None else ""
    text = TERMS_YAML.format(code=code, payer=t.payer.slug, provider=t.hub.slug, per_day=limit)
    parse_terms_text(text, "terms.yaml")  # the real reader accepts them
    document = json.loads(json.dumps(yaml.safe_load(text), default=str))
    found = accepted_contract(t.payer, t.hub, code, delivering=[t.cbo], **fields)
    with scopes_disabled():
        ServiceDefinition.objects.create(
            contract=found, code="HDM", name="Home-delivered meal",
            service_type=ServiceType.objects.get(slug="nutrition"), setting="home",
            timing_hours=timing_hours, timing_anchor="referral")
        # A second service of the contract (not paid by its terms): nutrition counselling.
        ServiceDefinition.objects.create(
            contract=found, code="NUTR", name="Nutrition counselling",
            service_type=ServiceType.objects.get(slug="nutrition"), setting="community")
        TermsVersion.objects.create(contract=found, version=1, effective=date(2025, 1, 1),
                                    document=document, source_text=text)
    return found


def deliver_under(code: str, cbo: Organisation, hub: Organisation) -> None:
    """Make `cbo` an accepted member of the hub's network and a delivering CBO of the
    contract `code`, as the hub would."""
    with scopes_disabled():
        network = Network.objects.get(hub=hub)
        NetworkMember.objects.get_or_create(network=network, cbo=cbo,
                                            defaults={"status": "accepted",
                                                      "onboarded_by_hub": True})
        found = Contract.objects.get(code=code)
        found.delivering_cbos.add(cbo)
        sync_parties(found)


def operating(code: str, *, delivering: Organisation | None = None) -> Contract:
    """Bring the contract `code` (made through the pages) to operation: at implementation,
    its BAA signed, a home-delivered meals service, and `delivering` among its CBOs."""
    with scopes_disabled():
        Contract.objects.filter(code=code).update(stage="implementation",
                                                  baa_signed_on=date(2025, 1, 1))
        found = Contract.objects.get(code=code)
        ServiceDefinition.objects.get_or_create(
            contract=found, code="HDM",
            defaults={"name": "Home-delivered meal", "setting": "home",
                      "service_type": ServiceType.objects.get(slug="nutrition")})
        if delivering is not None:
            found.delivering_cbos.add(delivering)
            sync_parties(found)
    return found


@pytest.fixture
def contract(tenant: Tenant) -> str:
    """The T-MEALS contract in effect between the tenant's plan and hub, with its terms."""
    contract_with_terms(tenant)
    return "T-MEALS"


def refer(t: Tenant, code: str = "T-MEALS", assignee: str = "cbo_worker") -> Referral:
    with scopes_disabled():
        return services.create_referral(
            member=t.member, organisation=t.cbo, hub=t.hub, service_code="HDM",
            contract_code=code, acting=acting_as(t.users["hub_coordinator"], t.hub),
            assignee=t.users[assignee])


def walk_to(referral: Referral, t: Tenant, target: str) -> Referral:
    """Take a referral forward along the happy path until `target`."""
    worker, cbo = t.users["cbo_worker"], t.cbo
    order = ["outreach", "contacted", "screened", "accepted", "enrolled", "in_service",
             "completed"]
    with scopes_disabled():
        for state in order[: order.index(target) + 1]:
            referral = Referral.objects.get(pk=referral.pk)
            if state == "outreach":
                services.record_attempt(referral, referral.version, channel="phone",
                                        outcome="reached", acting=acting_as(worker, cbo))
            elif state == "screened":
                services.record_screening(referral, {"88122-7": "LA28397-0"}, language="en",
                                          acting=acting_as(worker, cbo))
                services.transition(referral, referral.version, "screened", acting=acting_as(worker, cbo))
            elif state == "in_service":
                services.log_service(referral, service_code="HDM", on=date.today(), units=2,
                                     setting="home", acting=acting_as(worker, cbo))
            else:
                services.transition(referral, referral.version, state, acting=acting_as(worker, cbo))
        return Referral.objects.get(pk=referral.pk)


@pytest.fixture
def second_worker(tenant: Tenant):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        return make_user("Alpha-worker2", tenant.cbo, "cbo_worker")


def directory_service(cbo: Organisation, service_type: str = "nutrition", *,
                      counties: tuple[str, ...] = ("Erie, NY",), zips: tuple[str, ...] = (),
                      languages: tuple[str, ...] = ("English",), capacity: str = "accepting",
                      status: str = "active", name: str = "") -> Service:
    """A directory entry of `cbo`: a service of `service_type` covering `counties` and
    `zips`, as the directory pages and the HSDS import store it."""
    with scopes_disabled():
        return Service.objects.create(
            organisation=cbo, service_type=ServiceType.objects.get(slug=service_type),
            name=name or f"{cbo.name} {service_type}", status=status,
            coverage_counties=list(counties), coverage_zips=list(zips),
            languages=list(languages), capacity_status=capacity)


@pytest.fixture
def routable(tenant: Tenant, contract: str) -> str:
    """The T-MEALS contract with the tenant's CBO in the directory: it offers nutrition
    in Erie County (the tenant member's), so routing places the member there."""
    directory_service(tenant.cbo)
    return contract
