"""The hub pays its CBOs: pass-through arithmetic to the cent, an adjustment advice after
a payment changes, the payment recorded, the documents, and who sees what."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.billing.models import Bill, BillStatus, CboPayout
from carehub.billing.services import payouts, remittance
from carehub.core.billing.claims import Party
from carehub.core.billing.x12_835 import Adjustment, ClaimPayment, write_835
from carehub.core.billing.x12_835 import Remittance as Advice
from carehub.notifications.models import Notification
from carehub.tenancy.models import Network
from tests.integration.billing.review_factory import billing_setup, make_bill
from tests.integration.conftest import acting_as, signed_in

pytestmark = pytest.mark.django_db


def _fee(tenant, percent: str) -> None:  # type: ignore[no-untyped-def]
    with scopes_disabled():
        Network.objects.filter(hub=tenant.hub).update(admin_fee_percent=Decimal(percent))


def _issue(tenant, contract) -> list[CboPayout]:  # type: ignore[no-untyped-def]
    with scopes_disabled():
        return payouts.issue_payouts(contract, "2026-10",
                                     acting=acting_as(tenant.users["hub_admin"], tenant.hub))


def test_the_fee_that_does_not_divide_evenly_is_shared_to_the_cent(tenant):
    contract, referral = billing_setup(tenant)
    _fee(tenant, "12.50")
    make_bill(tenant, contract, referral, ["33.33", "33.33", "33.34"], status=BillStatus.APPROVED)
    make_bill(tenant, contract, referral, ["5.00"])  # still waiting: not paid out
    [payout] = _issue(tenant, contract)
    assert (str(payout.gross), str(payout.fee), str(payout.net)) == ("100.00", "12.50", "87.50")
    assert str(payout.fee_percent) == "12.50"
    lines = payout.document["lines"]
    # 12.5% of each: 4.16625, 4.16625, 4.1675; the two cents left go to the largest
    # fractions (the third line, then the first of the tie).
    assert [(x["gross"], x["fee"], x["net"]) for x in lines] == [
        ("33.33", "4.17", "29.16"), ("33.33", "4.16", "29.17"), ("33.34", "4.17", "29.17")]
    assert payout.document["arithmetic"].startswith("100.00 approved or paid less the hub's fee of 12.50%")
    # Nothing new: issuing again issues nothing.
    assert _issue(tenant, contract) == []


def test_a_partial_payment_after_the_advice_gives_an_adjustment_of_the_difference(tenant):
    contract, referral = billing_setup(tenant)
    bill = make_bill(tenant, contract, referral, ["20.00", "10.00"], status=BillStatus.APPROVED)
    [first] = _issue(tenant, contract)
    assert (str(first.gross), str(first.fee), str(first.net)) == ("30.00", "3.00", "27.00")

    # The plan pays 25.00 of 30.00: 16.67 and 8.33 on the lines.
    text = write_835(Advice(
        trace_number="T1", payment_total=Decimal("25.00"), payment_date=date(2026, 11, 20),
        payer=Party(name="Alpha Plan", tin="12-3456789", contact_phone="5185550100", address="1 Way", city="Albany",
                    state="NY", zip="12207"),
        payee=Party(name="Alpha Hub", npi="1234567893", address="2 St", city="Buffalo",
                    state="NY", zip="14201"),
        claims=(ClaimPayment(claim_id=bill.number, status="1", charged=Decimal("30.00"),
                             paid=Decimal("25.00"), patient_responsibility=Decimal("0.00"),
                             payer_control_number="P1", member_id="Alpha-M1",
                             patient_last_name="Alphamember",
                             adjustments=(Adjustment("CO", "45", Decimal("5.00")),)),)),
        sender_id="PLAN", receiver_id="HUB", interchange_control_number=7,
        created=datetime(2026, 11, 20, 9, 0))
    with scopes_disabled():
        remittance.post_835(text, "r.835", acting=acting_as(tenant.users["hub_admin"], tenant.hub))
    [second] = _issue(tenant, contract)
    assert second.sequence == 2
    assert (str(second.gross), str(second.fee), str(second.net)) == ("-5.00", "-0.50", "-4.50")
    assert [(x["previously"], x["gross"]) for x in second.document["lines"]] == [
        ("20.00", "-3.33"), ("10.00", "-1.67")]
    assert "the difference since the earlier advice" in second.document["arithmetic"]
    assert _issue(tenant, contract) == []


def test_the_hub_marks_paid_the_cbo_is_told_and_reads_its_advice(tenant, other_tenant):
    contract, referral = billing_setup(tenant)
    make_bill(tenant, contract, referral, ["7.50", "15.00"], status=BillStatus.APPROVED)
    hub = signed_in(tenant.users["hub_admin"])
    response = hub.post(reverse("billing:payouts"),
                        {"contract": contract.pk, "period": "2026-10"}, follow=True)
    assert "Issued 1 remittance advice(s)." in response.content.decode()
    with scopes_disabled():
        payout = CboPayout.objects.get()
        assert Notification.objects.filter(kind="payout",
                                           recipient=tenant.users["cbo_supervisor"]).count() == 1
    assert hub.post(reverse("billing:payouts"), {"contract": contract.pk,
                                                 "period": "2026-13"}).status_code == 400
    page = hub.get(reverse("billing:payouts")).content.decode()
    assert "Margin" in page and "2.25" in page  # 10% of 22.50

    refused = hub.post(reverse("billing:payout", args=[payout.pk]),
                       {"paid_on": "2026-11-25", "payment_reference": ""})
    assert refused.status_code == 400
    hub.post(reverse("billing:payout", args=[payout.pk]),
             {"paid_on": "2026-11-25", "payment_reference": "ACH 000123"})
    with scopes_disabled():
        payout.refresh_from_db()
        told = Notification.objects.get(kind="payout", link=reverse("billing:payout",
                                                                     args=[payout.pk]))
        assert told.recipient == tenant.users["cbo_supervisor"]
        assert "paid 20.25" in told.body
    assert (payout.status, payout.paid_on, payout.payment_reference) == (
        "paid", date(2026, 11, 25), "ACH 000123")

    cbo = signed_in(tenant.users["cbo_supervisor"])
    listing = cbo.get(reverse("billing:payouts"))
    assert listing.status_code == 200 and "20.25" in listing.content.decode()
    assert "Margin" not in listing.content.decode()
    assert cbo.get(reverse("billing:payout", args=[payout.pk])).status_code == 200
    assert cbo.post(reverse("billing:payout", args=[payout.pk]),
                    {"paid_on": "2026-11-26", "payment_reference": "x"}).status_code == 404
    pdf = cbo.get(reverse("billing:payout_file", args=[payout.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    rows = list(csv.reader(io.StringIO(
        cbo.get(reverse("billing:payout_file", args=[payout.pk, "csv"])).content.decode())))
    assert rows[0][-3:] == ["gross", "fee", "net"]
    assert [r[-3:] for r in rows[1:]] == [["7.50", "0.75", "6.75"], ["15.00", "1.50", "13.50"],
                                         ["22.50", "2.25", "20.25"]]

    for user in ("hub_admin", "cbo_supervisor", "payer_manager"):
        outsider = signed_in(other_tenant.users[user])
        assert outsider.get(reverse("billing:payout", args=[payout.pk])).status_code == 404
        assert outsider.get(reverse("billing:payout_file",
                                    args=[payout.pk, "pdf"])).status_code == 404
    assert signed_in(other_tenant.users["hub_admin"]).post(
        reverse("billing:payout", args=[payout.pk]),
        {"paid_on": "2026-11-26", "payment_reference": "x"}).status_code == 404
    # The plan does not see the hub's payouts to its CBOs; another hub cannot pay out
    # this hub's contract.
    assert signed_in(tenant.users["payer_manager"]).get(reverse("billing:payouts")).status_code == 404
    other = signed_in(other_tenant.users["hub_admin"])
    assert other.post(reverse("billing:payouts"),
                      {"contract": contract.pk, "period": "2026-10"}).status_code == 400
    with scopes_disabled():
        assert CboPayout.objects.count() == 1
        assert Bill.objects.filter(status=BillStatus.APPROVED).count() == 1
