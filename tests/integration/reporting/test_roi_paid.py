"""What was paid, for savings per dollar: the contract's issued statements when they
exist, else the amount given with the run, else the months settled by the terms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from carehub.billing.services.statements import issue_statement
from carehub.reporting.models import RoiRun
from carehub.reporting.services import roi as services
from tests.integration.billing.statement_world import (
    MEALS,
    billing_contract,
    deliver,
    enrolled_member,
)
from tests.integration.conftest import acting_as

pytestmark = pytest.mark.django_db


def test_statements_then_given_then_terms(tenant):
    contract = billing_contract(tenant, MEALS)
    referral = enrolled_member(tenant)
    deliver(referral, contract, date(2026, 3, 5), 10)  # 10 meals at $7.50
    program = {"Alpha-M1": date(2026, 3, 2)}
    result = {"claims_through": "2026-03-20"}
    run = RoiRun(contract=contract)
    assert services.paid_for(run, program, result) == (
        Decimal("75.00"), "the contract's terms settled 2026-03 to 2026-03 (no statements issued)")
    run.paid_given = Decimal("60.00")
    assert services.paid_for(run, program, result) == (Decimal("60.00"), "given with the run")
    issue_statement(contract, "2026-03", acting=acting_as(tenant.users["payer_manager"],
                                                          tenant.payer))
    assert services.paid_for(run, program, result) == (
        Decimal("75.00"), "issued statements 2026-03 to 2026-03")
    # a month before the terms took effect cannot be settled: nothing is claimed
    run.paid_given = None
    early = {"Alpha-M1": date(2025, 12, 1)}
    assert services.paid_for(run, early, {"claims_through": "2025-12-31"}) == (None, "")
