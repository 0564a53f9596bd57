"""Issuing statements: stored with every line and its basis, in one transaction and
audited; a month issued again gives an adjustment of the differences only (after a
retroactive disenrolment, after a corrected service), or nothing; a prepayment's balance
carried across stored statements; member-level lines for claims contracts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.billing.models import Statement, StatementLine
from carehub.billing.services.statements import IssueError, issue_statement, store
from carehub.core.terms import load_terms
from carehub.referrals.models import Referral, ServiceDelivery
from tests.integration.billing.statement_world import (
    CAPITATION,
    MEALS,
    PREPAYMENT,
    amounts,
    billing_contract,
    deliver,
    enrolled_member,
)
from tests.integration.conftest import acting_as

pytestmark = pytest.mark.django_db


def hub_admin(tenant):  # type: ignore[no-untyped-def]
    return acting_as(tenant.users["hub_admin"], tenant.hub)


def test_a_statement_is_stored_with_every_line_its_basis_and_mlr_and_audited(tenant):
    contract = billing_contract(tenant, MEALS, CAPITATION)
    referral = enrolled_member(tenant)
    deliver(referral, contract, date(2026, 2, 3), 10)
    statement = issue_statement(contract, "2026-02", acting=hub_admin(tenant))
    assert statement is not None
    assert (statement.sequence, statement.kind, str(statement.total)) == (1, "original", "375.00")
    assert amounts(statement) == {"HDM Home-delivered meal": "75.00", "Capitation": "300.00"}
    with scopes_disabled():
        lines = list(StatementLine.objects.filter(statement=statement).order_by("position"))
        event = AuditEvent.objects.get(object_type="statement", object_id=str(statement.pk))
    assert [(x.position, x.component, x.mlr) for x in lines] == [(1, "meals", "medical"),
                                                                 (2, "care", "quality")]
    assert lines[0].basis == "10 meals × 7.50 = 75.00"
    assert lines[1].basis == "1 member attributed on 2026-02-01 × PMPM 300.00 = 300.00"
    assert statement.by_mlr == {"medical": "75.00", "quality": "300.00"}
    assert statement.billing_mode == "invoice" and "member_lines" not in statement.document
    assert statement.period_start == date(2026, 2, 1) and len(statement.activity_sha256) == 64
    assert event.action == "create" and event.detail["sequence"] == 1


def test_nothing_changed_issues_nothing(tenant):
    contract = billing_contract(tenant, MEALS)
    deliver(enrolled_member(tenant), contract, date(2026, 2, 3), 10)
    assert issue_statement(contract, "2026-02", acting=hub_admin(tenant)) is not None
    assert issue_statement(contract, "2026-02", acting=hub_admin(tenant)) is None
    with scopes_disabled():
        assert Statement.objects.count() == 1


def test_retroactive_disenrolment_gives_an_adjustment_with_negative_lines(tenant):
    contract = billing_contract(tenant, MEALS, CAPITATION)
    referral = enrolled_member(tenant)
    deliver(referral, contract, date(2026, 1, 5), 4)
    issue_statement(contract, "2026-01", acting=hub_admin(tenant))
    original = issue_statement(contract, "2026-02", acting=hub_admin(tenant))
    assert original is not None and amounts(original) == {"Capitation": "300.00"}
    # The enrolment turns out to have ended on 20 January: February owes no capitation.
    with scopes_disabled():
        Referral.objects.filter(pk=referral.pk).update(completed_on=date(2026, 1, 20))
    adjustment = issue_statement(contract, "2026-02", acting=hub_admin(tenant))
    assert adjustment is not None
    assert (adjustment.sequence, adjustment.kind, str(adjustment.total)) == (
        2, "adjustment", "-300.00")
    assert amounts(adjustment) == {"Adjustment: Capitation": "-300.00"}
    with scopes_disabled():
        line = adjustment.lines.get()
    assert line.basis.startswith("issued 300.00, now 0.00 (")
    assert line.mlr == "quality"
    # January keeps its member (attributed on the 1st): nothing to adjust there.
    assert issue_statement(contract, "2026-01", acting=hub_admin(tenant)) is None
    # Issued once more with nothing new: nothing; the original is untouched.
    assert issue_statement(contract, "2026-02", acting=hub_admin(tenant)) is None
    original.refresh_from_db()
    assert str(original.total) == "300.00"


def test_corrected_service_units_give_an_adjustment_and_member_line_differences(tenant):
    contract = billing_contract(tenant, MEALS, billing="claims")
    referral = enrolled_member(tenant)
    delivery = deliver(referral, contract, date(2026, 3, 9), 10)
    other = deliver(referral, contract, date(2026, 3, 10), 2)
    original = issue_statement(contract, "2026-03", acting=hub_admin(tenant))
    assert original is not None and amounts(original) == {"HDM Home-delivered meal": "90.00"}
    member_id = referral.member.member_id
    assert original.document["member_lines"] == [
        {"component": "meals", "id": str(delivery.pk), "member": member_id,
         "date": "2026-03-09", "service": "HDM", "code": "S5170", "modifiers": ["U1"],
         "units": 10, "delivered": 10, "rate": "7.50", "amount": "75.00",
         "provider": tenant.cbo.slug},
        {"component": "meals", "id": str(other.pk), "member": member_id,
         "date": "2026-03-10", "service": "HDM", "code": "S5170", "modifiers": ["U1"],
         "units": 2, "delivered": 2, "rate": "7.50", "amount": "15.00",
         "provider": tenant.cbo.slug}]
    with scopes_disabled():
        ServiceDelivery.objects.filter(pk=delivery.pk).update(units=6)  # corrected
    adjustment = issue_statement(contract, "2026-03", acting=hub_admin(tenant))
    assert adjustment is not None
    assert amounts(adjustment) == {"Adjustment: HDM Home-delivered meal": "-30.00"}
    assert [(m["id"], m["units"], m["amount"]) for m in adjustment.document["member_lines"]] == [
        (str(delivery.pk), -4, "-30.00")]
    # Member lines add up to the statements' lines, month net included.
    net = sum((Decimal(m["amount"]) for s in (original, adjustment)
               for m in s.document["member_lines"]), Decimal("0.00"))
    assert str(net) == "60.00" == str(original.total + adjustment.total)


def test_a_cbo_billing_claims_by_amendment_gets_member_lines_on_an_invoice_contract(tenant):
    contract = billing_contract(tenant, MEALS,
                                extra=f"billing_by_provider: {{{tenant.cbo.slug}: claims}}\n")
    delivery = deliver(enrolled_member(tenant), contract, date(2026, 3, 9), 4)
    statement = issue_statement(contract, "2026-03", acting=hub_admin(tenant))
    assert statement is not None and statement.billing_mode == "invoice"
    assert [(m["id"], m["provider"], m["amount"]) for m in statement.document["member_lines"]] == [
        (str(delivery.pk), tenant.cbo.slug, "30.00")]


def test_prepayment_balance_is_carried_across_stored_statements(tenant):
    contract = billing_contract(tenant, PREPAYMENT, MEALS)
    referral = enrolled_member(tenant)
    for day, units in ((date(2026, 1, 10), 100), (date(2026, 2, 10), 200),
                       (date(2026, 3, 10), 400), (date(2026, 4, 10), 100)):
        deliver(referral, contract, day, units)
    issued = {period: issue_statement(contract, period, acting=hub_admin(tenant))
              for period in ("2026-01", "2026-02", "2026-03", "2026-04")}
    assert amounts(issued["2026-01"]) == {"Prepayment": "1000.00",
                                          "HDM Home-delivered meal": "750.00"}
    assert amounts(issued["2026-02"])["Recoupment"] == "-375.00"
    # March: a quarter of 3000.00 is 750.00, but only 625.00 is left: it stops there.
    march = issued["2026-03"]
    assert amounts(march)["Recoupment"] == "-625.00"
    assert "recouped so far 375.00" in march.document["lines"][0]["basis"]
    assert amounts(issued["2026-04"]) == {"HDM Home-delivered meal": "750.00"}
    # March issued again: the same recoupment (its balance comes from the months before).
    assert issue_statement(contract, "2026-03", acting=hub_admin(tenant)) is None


def test_a_cbo_or_another_organisation_cannot_issue_and_bad_input_is_named(tenant, other_tenant):
    contract = billing_contract(tenant, MEALS)
    with pytest.raises(IssueError, match="neither the payer nor the provider"):
        issue_statement(contract, "2026-02",
                        acting=acting_as(other_tenant.users["hub_admin"], other_tenant.hub))
    with pytest.raises(IssueError, match="neither the payer nor the provider"):
        issue_statement(contract, "2026-02",
                        acting=acting_as(tenant.users["cbo_supervisor"], tenant.cbo))
    with pytest.raises(IssueError, match="2026-13"):
        issue_statement(contract, "2026-13", acting=hub_admin(tenant))
    with pytest.raises(IssueError, match="no terms in force on 2025-12-01"):
        issue_statement(contract, "2025-12", acting=hub_admin(tenant))
    with pytest.raises(IssueError) as refused:
        issue_statement(contract, "2027-01", acting=hub_admin(tenant))
    assert "outside the contract's term" in refused.value.errors[0]["message"]
    with scopes_disabled():
        assert not Statement.objects.exists()


def test_a_sequence_already_taken_is_refused_with_a_clear_message(tenant):
    """The constraint behind the lock: a run that would issue a sequence another run has
    just issued stores nothing and says so."""
    contract = billing_contract(tenant, MEALS)
    deliver(enrolled_member(tenant), contract, date(2026, 2, 3), 10)
    first = issue_statement(contract, "2026-02", acting=hub_admin(tenant))
    assert first is not None
    from carehub.core import settlement as engine
    from carehub.core.activity import load_activity
    from carehub.referrals.activity import build_activity

    with scopes_disabled():
        version = first.terms_version
    terms = load_terms(version.document)
    data = build_activity(contract.code, "2026-02", plan=contract.payer)
    result = engine.settle(terms, load_activity(data))
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        store(contract, "2026-02", version, terms, result, data, acting=hub_admin(tenant),
              job=None, sequence=1, member_lines_json=None)
    with scopes_disabled():
        assert Statement.objects.count() == 1 and StatementLine.objects.count() == 1
