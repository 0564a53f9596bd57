"""`carehub settle_contract` issues the month through the same job as the page (inline):
the statement on stdout, an adjustment when the month changed, a word on stderr when
nothing differs, exit 2 with the problem named."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from carehub.billing.models import Statement
from carehub.jobs.models import Job
from carehub.referrals.models import ServiceDelivery
from tests.integration.billing.statement_world import (
    MEALS,
    billing_contract,
    deliver,
    enrolled_member,
)

pytestmark = pytest.mark.django_db


def test_settle_contract_issues_then_adjusts_then_says_nothing_differs(tenant, capsys):
    contract = billing_contract(tenant, MEALS)
    delivery = deliver(enrolled_member(tenant), contract, date(2026, 2, 3), 10)
    call_command("settle_contract", "--contract", "T-MEALS", "--period", "2026-02")
    printed = json.loads(capsys.readouterr().out)
    assert printed["total"] == "75.00" and printed["sequence"] == 1
    assert printed["lines"] == [{"component": "meals", "label": "HDM Home-delivered meal",
                                 "quantity": "10", "rate": "7.50", "amount": "75.00",
                                 "basis": "10 meals × 7.50 = 75.00", "mlr": "medical"}]
    with scopes_disabled():
        job = Job.objects.get()
        assert job.kind == "billing.settle" and Statement.objects.get().job_id == job.pk
        ServiceDelivery.objects.filter(pk=delivery.pk).update(units=12)
    call_command("settle_contract", "--contract", "T-MEALS", "--period", "2026-02",
                 "--format", "table")
    table = capsys.readouterr().out
    assert "Adjustment: HDM Home-delivered meal" in table and "15.00" in table
    call_command("settle_contract", "--contract", "T-MEALS", "--period", "2026-02")
    out = capsys.readouterr()
    assert out.out == "" and "nothing was issued" in out.err
    with scopes_disabled():
        assert Statement.objects.count() == 2


def test_settle_contract_names_the_problem(tenant, capsys):
    billing_contract(tenant, MEALS)
    with pytest.raises(SystemExit) as stopped:
        call_command("settle_contract", "--contract", "T-MEALS", "--period", "2026-13")
    assert stopped.value.code == 2
    assert capsys.readouterr().err.strip() == (
        "carehub settle_contract: period '2026-13' is not a month written YYYY-MM")
    with pytest.raises(SystemExit):
        call_command("settle_contract", "--contract", "T-MEALS", "--period", "2025-12")
    assert "no terms in force on 2025-12-01" in capsys.readouterr().err
