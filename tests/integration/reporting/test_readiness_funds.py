"""Capacity-building funds: a fixed-price contract paid by milestones; a TA task marked
done is the milestone event the engine pays in that month's settlement, and billing's
statement carries it when the month is issued."""

from datetime import date
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from carehub.billing.services.statements import issue_statement
from carehub.contracts.services import decide_contract
from carehub.reporting.selectors import readiness as reads
from carehub.reporting.services import readiness as service
from carehub.reporting.services.readiness import MilestonePlan
from tests.integration.conftest import acting_as

pytestmark = pytest.mark.django_db(transaction=False)


def make_fund(tenant):
    hub = acting_as(tenant.users["hub_admin"])
    with scopes_disabled():
        fund = service.create_fund(
            tenant.cbo, "Claims readiness", [
                MilestonePlan("Billing workflow live", Decimal("5000.00"), date(2026, 3, 31)),
                MilestonePlan("Privacy officer trained", Decimal("2500.50"), date(2026, 5, 31)),
            ], starts=date(2026, 1, 1), ends=date(2026, 12, 31), acting=hub)
    return hub, fund


def test_fund_is_a_fixed_price_milestone_contract(tenant):
    _hub, fund = make_fund(tenant)
    with scopes_disabled():
        contract = fund.contract
        version = contract.terms_versions.get()
        component = version.document["components"][0]
        assert (contract.payer, contract.provider) == (tenant.hub, tenant.cbo)
        assert str(fund.amount) == "7500.50"
        assert component["schedule"] == "milestones"
        assert component["milestones"] == [
            {"name": "Billing workflow live", "amount": "5000.00"},
            {"name": "Privacy officer trained", "amount": "2500.50"}]
        assert [t.title for t in fund.milestones.order_by("pk")] == [
            "Billing workflow live", "Privacy officer trained"]


def test_reached_milestone_is_paid_by_the_engine_then_by_the_statement(tenant):
    hub, fund = make_fund(tenant)
    with scopes_disabled():
        first = fund.milestones.get(title="Billing workflow live")
        # Before the CBO accepts, nothing settles.
        service.set_task_status(first, "done", done_on=date(2026, 3, 12),
                                acting=acting_as(tenant.users["cbo_supervisor"]))
        progress = reads.fund_progress(fund)
        assert [str(r.paid) for r in progress.rows] == ["0.00", "0.00"]
        assert progress.rows[0].source == "the CBO has not yet accepted the contract"

        decide_contract(fund.contract, True, acting=acting_as(tenant.users["cbo_supervisor"]))
        progress = reads.fund_progress(fund)
        assert [str(r.paid) for r in progress.rows] == ["5000.00", "0.00"]
        assert progress.rows[0].source == "settlement of 2026-03, not yet issued"
        assert str(progress.reached) == "5000.00"
        assert str(progress.outstanding) == "2500.50"

        statement = issue_statement(fund.contract, "2026-03", acting=hub)
        assert statement is not None
        assert [(line.label, str(line.amount)) for line in statement.lines.all()] == [
            ("Milestone Billing workflow live", "5000.00")]
        assert str(statement.total) == "5000.00"
        progress = reads.fund_progress(fund)
        assert progress.rows[0].source == "issued statement 2026-03"
        assert str(progress.paid) == "5000.00"
        # The milestone is paid once: the next month pays nothing for it.
        april = issue_statement(fund.contract, "2026-04", acting=hub)
        assert april is not None and str(april.total) == "0.00"


def test_a_reached_milestone_cannot_be_reopened(tenant):
    _hub, fund = make_fund(tenant)
    cbo = acting_as(tenant.users["cbo_supervisor"])
    with scopes_disabled():
        task = fund.milestones.first()
        service.set_task_status(task, "done", done_on=date(2026, 3, 1), acting=cbo)
        with pytest.raises(service.ReadinessError, match="cannot be reopened"):
            service.set_task_status(task, "open", acting=cbo)


def test_bad_milestones_are_refused_and_nothing_is_saved(tenant):
    from carehub.contracts.models import Contract

    hub = acting_as(tenant.users["hub_admin"])
    with scopes_disabled():
        before = Contract.objects.count()
        with pytest.raises(service.ReadinessError, match=r"Milestone 2 \(Go live\): the amount"):
            service.create_fund(tenant.cbo, "X", [
                MilestonePlan("Plan", Decimal("10.00")), MilestonePlan("Go live", Decimal("0"))],
                starts=date(2026, 1, 1), ends=date(2026, 6, 30), acting=hub)
        with pytest.raises(service.ReadinessError, match="named twice"):
            service.create_fund(tenant.cbo, "X", [
                MilestonePlan("Plan", Decimal("10.00")), MilestonePlan("Plan", Decimal("1.00"))],
                starts=date(2026, 1, 1), ends=date(2026, 6, 30), acting=hub)
        assert Contract.objects.count() == before


def test_fund_through_the_pages(tenant, login_as):
    from carehub.reporting.models.readiness import CapacityFund

    hub = login_as(tenant.users["hub_admin"])
    url = f"/reporting/readiness/cbo/{tenant.cbo.pk}/fund/"
    bad = hub.post(url, {"purpose": "Claims", "starts": "2026-01-01", "ends": "2026-12-31",
                         "milestones": "Billing live; five thousand"})
    assert bad.status_code == 400
    assert "Line 1: &#x27;five thousand&#x27; is not an amount such as 5000.00." in bad.content.decode()
    response = hub.post(url, {"purpose": "Claims", "starts": "2026-01-01", "ends": "2026-12-31",
                              "milestones": "Billing live; 5,000.00; 2026-03-31\n"
                                            "Privacy officer; 1250.25"})
    assert response.status_code == 302
    with scopes_disabled():
        fund = CapacityFund.objects.get()
        assert str(fund.amount) == "6250.25"
        task = fund.milestones.get(title="Billing live")
    cbo = login_as(tenant.users["cbo_supervisor"])
    page = cbo.get(f"/reporting/readiness/fund/{fund.pk}/").content.decode()
    assert "has not accepted it" in page
    assert cbo.post(f"/contracts/{fund.contract.code}/decide/",
                    {"decision": "accept"}).status_code == 302
    cbo.post(f"/reporting/readiness/task/{task.pk}/status/",
             {"status": "done", "done_on": "2026-03-20"})
    page = hub.get(f"/reporting/readiness/fund/{fund.pk}/").content.decode()
    assert "settlement of 2026-03, not yet issued" in page
    assert "$5000.00" in page and "$1250.25" in page  # paid, and outstanding
    csv = hub.get(f"/reporting/readiness/fund/{fund.pk}/milestones.csv").content.decode()
    assert "Billing live,5000.00,2026-03-31,2026-03-20,5000.00,\"settlement of 2026-03, not yet issued\"" in csv
