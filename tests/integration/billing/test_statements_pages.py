"""The statement pages: settling a month from the page (a `billing.settle` job), the
list with its filters, a statement with each line's basis in words and the month's net,
JSON and CSV downloads, member lines (an audited read), the MLR report; the old
settlement address sends here; CBOs and other organisations get 404."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.billing.models import Statement
from carehub.billing.services.statements import issue_statement
from carehub.referrals.models import ServiceDelivery
from tests.integration.billing.statement_world import (
    CAPITATION,
    MEALS,
    PREPAYMENT,
    billing_contract,
    deliver,
    enrolled_member,
)
from tests.integration.conftest import acting_as
from tests.integration.kinds.helpers import finish

pytestmark = pytest.mark.django_db
SETTLE = reverse("billing:statement_settle")
LIST = reverse("billing:statements")
MLR = reverse("billing:statement_mlr")


def month_issued(tenant, billing="invoice"):  # type: ignore[no-untyped-def]
    contract = billing_contract(tenant, PREPAYMENT, MEALS, CAPITATION, billing=billing)
    delivery = deliver(enrolled_member(tenant), contract, date(2026, 1, 9), 10)
    statement = issue_statement(contract, "2026-01",
                                acting=acting_as(tenant.users["hub_admin"], tenant.hub))
    assert statement is not None
    return contract, statement, delivery


def test_settle_page_issues_the_statement_then_an_adjustment_then_nothing(tenant, login_as):
    contract = billing_contract(tenant, MEALS, CAPITATION)
    delivery = deliver(enrolled_member(tenant), contract, date.today(), 2)
    period = date.today().strftime("%Y-%m")
    client = login_as(tenant.users["hub_admin"])
    page = client.get(SETTLE)
    assert page.status_code == 200 and b"T-MEALS" in page.content
    job = finish(client.post(SETTLE, {"contract": contract.pk, "period": period}))
    assert job.status == "succeeded", (job.message, job.errors)
    assert job.kind == "billing.settle" and job.stage == "Issuing the statement"
    with scopes_disabled():
        statement = Statement.objects.get()
    assert job.result_url == reverse("billing:statement", args=[statement.pk])
    assert job.result["total"] == "315.00" and job.result["sequence"] == 1
    shown = client.get(job.result_url)
    assert shown.status_code == 200
    assert "2 meals × 7.50 = 15.00" in shown.content.decode()
    with scopes_disabled():
        ServiceDelivery.objects.filter(pk=delivery.pk).update(units=3)
    again = finish(client.post(SETTLE, {"contract": contract.pk, "period": period}))
    assert again.result["sequence"] == 2 and again.result["total"] == "7.50"
    month = client.get(again.result_url).content.decode()
    assert "Adjustment 2" in month and "322.50" in month  # the month's net
    nothing = finish(client.post(SETTLE, {"contract": contract.pk, "period": period}))
    assert nothing.status == "succeeded" and not nothing.result["issued"]
    assert "nothing was issued" in nothing.message


def test_settle_page_offers_only_contracts_the_organisation_pays_or_provides(
        tenant, other_tenant, login_as):
    contract = billing_contract(tenant, MEALS)
    client = login_as(other_tenant.users["hub_admin"])
    assert client.get(SETTLE).context["contracts"] == []
    refused = client.post(SETTLE, {"contract": contract.pk, "period": "2026-02"})
    assert refused.status_code == 400
    for role in ("hub_coordinator", "cbo_supervisor", "cbo_worker", "payer_analyst"):
        assert login_as(tenant.users[role]).get(SETTLE).status_code == 404


def test_the_old_settlement_address_sends_to_billing(tenant, login_as):
    client = login_as(tenant.users["hub_admin"])
    response = client.get("/referrals/settle/")
    assert response.status_code == 302 and response["Location"] == SETTLE
    assert reverse("referrals:settle") == "/referrals/settle/"


def test_list_filters_and_the_statement_page_with_its_downloads(tenant, login_as):
    contract, statement, _ = month_issued(tenant)
    client = login_as(tenant.users["payer_analyst"])
    listed = client.get(LIST, {"contract": contract.pk, "period": "2026-01"})
    assert listed.status_code == 200 and [s.pk for s in listed.context["statements"]] == [
        statement.pk]
    assert list(client.get(LIST, {"period": "2026-02"}).context["statements"]) == []
    page = client.get(reverse("billing:statement", args=[statement.pk])).content.decode()
    for words in ("paid in the period holding effective 2026-01-01", "10 meals × 7.50 = 75.00",
                  "1 member attributed on 2026-01-01 × PMPM 300.00 = 300.00", "1375.00"):
        assert words in page
    data = client.get(reverse("billing:statement_download", args=[statement.pk, "json"])).json()
    assert data["total"] == "1375.00" and data["lines"][0]["mlr"] == "admin"
    text = client.get(reverse("billing:statement_download", args=[statement.pk, "csv"]))
    rows = list(csv.reader(io.StringIO(text.content.decode())))
    assert rows[0] == ["component", "label", "quantity", "rate", "amount", "basis", "mlr"]
    assert rows[1][:5] == ["advance", "Prepayment", "1", "1000.00", "1000.00"]
    assert rows[-1][4] == "1375.00"
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="export", object_type="statement",
                                         object_id=str(statement.pk)).count() == 2
    # An invoice contract's statement has no member lines.
    assert client.get(reverse("billing:statement_member_lines",
                              args=[statement.pk])).status_code == 404


def test_member_lines_are_counted_on_the_page_and_their_download_is_an_audited_read(
        tenant, login_as):
    _, statement, delivery = month_issued(tenant, billing="claims")
    client = login_as(tenant.users["hub_admin"])
    page = client.get(reverse("billing:statement", args=[statement.pk]))
    assert page.context["member_lines"] == 1 and b"Member lines" in page.content
    data = client.get(reverse("billing:statement_download", args=[statement.pk, "json"])).json()
    assert "member_lines" not in data
    response = client.get(reverse("billing:statement_member_lines", args=[statement.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["component", "id", "provider", "member"]
    assert rows[1] == ["meals", str(delivery.pk), tenant.cbo.slug, tenant.member.member_id,
                       "2026-01-09", "HDM", "S5170", "U1", "10", "10", "7.50", "75.00"]
    with scopes_disabled():
        event = AuditEvent.objects.get(action="read", object_type="statement_member_lines")
    assert event.detail == {"lines": 1, "member_ids": [tenant.member.member_id]}


def test_mlr_report_from_the_issued_lines(tenant, login_as):
    contract, statement, _ = month_issued(tenant)
    client = login_as(tenant.users["payer_manager"])
    assert client.get(MLR).status_code == 200
    report = client.get(MLR, {"contract": contract.pk, "year": 2026,
                              "premium": "500.00"}).context["report"]
    assert [(r["category"], str(r["amount"]), str(r["percent"])) for r in report.by_category] == [
        ("medical", "75.00", "5.45"), ("quality", "300.00", "21.82"),
        ("admin", "1000.00", "72.73")]
    assert str(report.total) == "1375.00" and str(report.ratio) == "75.00"
    assert str(report.report.ratio) == "0.7500" and str(report.report.numerator) == "375.00"
    without = client.get(MLR, {"contract": contract.pk, "year": 2026}).context["report"]
    assert without.ratio is None and without.statements == 1
    empty = client.get(MLR, {"contract": contract.pk, "year": 2025}).context["report"]
    assert str(empty.total) == "0.00" and empty.by_category[0]["percent"] is None


def test_cbos_and_other_organisations_get_404(tenant, other_tenant, login_as):
    contract, statement, _ = month_issued(tenant, billing="claims")
    urls = [reverse("billing:statement", args=[statement.pk]),
            reverse("billing:statement_download", args=[statement.pk, "json"]),
            reverse("billing:statement_download", args=[statement.pk, "csv"]),
            reverse("billing:statement_member_lines", args=[statement.pk])]
    for user in (other_tenant.users["hub_admin"], other_tenant.users["payer_manager"],
                 other_tenant.users["payer_analyst"]):
        client = login_as(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
        assert list(client.get(LIST).context["statements"]) == []
        assert client.get(MLR, {"contract": contract.pk, "year": 2026}).status_code == 404
        filtered = client.get(LIST, {"contract": contract.pk})
        assert filtered.context["listing"].rejected
    for role in ("cbo_supervisor", "cbo_worker", "hub_coordinator"):
        client = login_as(tenant.users[role])
        for url in [*urls, LIST, MLR]:
            assert client.get(url).status_code == 404, (role, url)
    payload = json.dumps  # the JSON download is the document as issued
    assert payload(statement.document)
