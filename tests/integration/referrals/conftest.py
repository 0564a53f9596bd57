from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from carehub.referrals import contract_terms, services
from carehub.referrals.models import Referral
from tests.integration.conftest import Tenant, make_user

FUNDS = contract_terms.FundsRule(per_member=Decimal("100.00"), per="term",
                                 categories=("utilities", "gas", "groceries"))
TERMS = {"contract": "T-MEALS", "services": [{"code": "HDM", "rate": "7.50"}],
         "components": [{"id": "funds", "type": "flexible_funds", "per_member": "100.00",
                         "per": "term", "categories": ["utilities", "gas", "groceries"]}]}


@pytest.fixture
def contract(monkeypatch: pytest.MonkeyPatch) -> str:
    """A contract known only through its terms (the contracts app's tables not needed)."""
    monkeypatch.setattr(contract_terms, "terms", lambda code, on: TERMS if code == "T-MEALS" else None)
    monkeypatch.setattr(contract_terms, "timing",
                        lambda code, svc: contract_terms.Timing(24, "referral"))
    return "T-MEALS"


def refer(t: Tenant, code: str = "T-MEALS", assignee: str = "cbo_worker") -> Referral:
    with scopes_disabled():
        return services.create_referral(
            member=t.member, organisation=t.cbo, hub=t.hub, service_code="HDM",
            contract_code=code, actor=t.users["hub_coordinator"], acting_org=t.hub,
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
                                        outcome="reached", actor=worker, acting_org=cbo)
            elif state == "screened":
                services.record_screening(referral, {"88122-7": "LA28397-0"}, language="en",
                                          actor=worker, acting_org=cbo)
                services.transition(referral, referral.version, "screened", actor=worker,
                                    acting_org=cbo)
            elif state == "in_service":
                services.log_service(referral, service_code="HDM", on=date.today(), units=2,
                                     setting="home", actor=worker, acting_org=cbo)
            else:
                services.transition(referral, referral.version, state, actor=worker,
                                    acting_org=cbo)
        return Referral.objects.get(pk=referral.pk)


@pytest.fixture
def second_worker(tenant: Tenant):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        return make_user("Alpha-worker2", tenant.cbo, "cbo_worker")
