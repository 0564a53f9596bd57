"""A contract between a tenant's payer and hub, filled in as far as asked."""

from __future__ import annotations

from datetime import date
from typing import Any

from django_scopes import scopes_disabled

from carehub.contracts.models import (
    Contract,
    ContractContact,
    DataSharingTerm,
    EscalationLevel,
    LifecycleTask,
    ServiceDefinition,
)
from carehub.contracts.services import create_contract, decide_contract
from carehub.network.models import ServiceType
from tests.integration.conftest import acting_as

CRITERIA = """population: post-discharge-meals
as_of: 2026-03-01
require:
  product: [medicare_advantage, dsnp]
  discharge: {within_days: 14, min_nights: 1}
"""


def make_contract(tenant: Any, code: str = "T-MEALS", *, complete: bool = False,
                  accepted: bool = True) -> Contract:
    """Proposed by the hub; with `accepted` (the default) countersigned by the plan too."""
    with scopes_disabled():
        contract = Contract(code=code, name="Post-discharge meals", payer=tenant.payer,
                            provider=tenant.hub, starts=date(2026, 1, 1), ends=date(2026, 12, 31),
                            stage="scoping")
        create_contract(contract, [tenant.cbo], acting=acting_as(tenant.users["hub_admin"]))
        if accepted:
            decide_contract(contract, True, acting=acting_as(tenant.users["payer_manager"]))
        if complete:
            fill_scope(contract, tenant)
    return contract


def fill_scope(contract: Contract, tenant: Any) -> None:
    with scopes_disabled():
        Contract.objects.filter(pk=contract.pk).update(
            criteria=CRITERIA, prioritisation_not_applicable=True, min_volume=100, max_volume=500,
            licences_not_applicable=True, credentialing="Hub verifies staff identities.",
            trainings="Food safety; HIPAA.", workflows="Referral by ADT feed; hub routes.",
            escalation_process="Worker raises in carehub; hub responds.",
            it_platforms="carehub", revisit_terms_on=date(2026, 6, 30),
        )
        contract.refresh_from_db()
        for aspect in ("referrals", "data", "billing", "evaluation"):
            ContractContact.objects.create(contract=contract, aspect=aspect,
                                           organisation=tenant.hub, title=f"{aspect} lead")
        EscalationLevel.objects.create(contract=contract, level=1, organisation=tenant.hub,
                                       role="hub_coordinator", response_hours=24)
        ServiceDefinition.objects.create(
            contract=contract, code="HDM", name="Home-delivered meal",
            service_type=ServiceType.objects.get(slug="nutrition"), setting="home",
            initiation="Plan refers at discharge.", provision="Two meals a day.",
            conclusion="After 14 days.", max_duration_days=14, timing_hours=24,
            timing_anchor="discharge",
        )
        DataSharingTerm.objects.create(contract=contract, direction="to_payer",
                                       what="Meals delivered", when="monthly", how="SFTP CSV")
        DataSharingTerm.objects.create(contract=contract, direction="to_provider",
                                       what="Discharges", when="daily", how="SFTP CSV")
        for task in LifecycleTask.objects.filter(contract=contract, stage="pre_launch"):
            task.due = date(2026, 1, 15)
            task.save()
