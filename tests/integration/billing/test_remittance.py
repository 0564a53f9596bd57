"""835 remittance: payments matched to bills by claim number, a partial payment, a
reversal, unmatched items, the same file twice, a malformed file refused whole; and the
plan's 835 for its approved bills posted by the hub."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.billing.models import Bill, BillLine, BillStatus, Remittance, RemittanceItem
from carehub.billing.services import remittance as services
from carehub.core.billing.claims import Party
from carehub.core.billing.x12_835 import Adjustment, ClaimPayment, LinePayment, write_835
from carehub.core.billing.x12_835 import Remittance as Advice
from tests.integration.billing.review_factory import billing_setup, make_bill
from tests.integration.conftest import signed_in

pytestmark = pytest.mark.django_db

PAYER = Party(name="Alpha Plan", tin="12-3456789", contact_phone="5185550100", address="1 Plan Way", city="Albany",
              state="NY", zip="12207")
HUB = Party(name="Alpha Hub", npi="1234567893", address="2 Hub St", city="Buffalo",
            state="NY", zip="14201")


def claim(number: str, status: str, charged: str, paid: str, *, lines=(), cas=()) -> ClaimPayment:
    return ClaimPayment(claim_id=number, status=status, charged=Decimal(charged),
                        paid=Decimal(paid), patient_responsibility=Decimal("0.00"),
                        payer_control_number=f"PCN{number}", member_id="Alpha-M1",
                        patient_last_name="Alphamember", adjustments=tuple(cas),
                        lines=tuple(lines))


def file_835(trace: str, *claims: ClaimPayment, control: int = 1) -> str:
    total = sum((c.paid for c in claims), Decimal("0.00"))
    return write_835(Advice(trace_number=trace, payment_total=total,
                            payment_date=date(2026, 11, 20), payer=PAYER, payee=HUB,
                            claims=claims),
                     sender_id="ALPHAPLAN", receiver_id="ALPHAHUB",
                     interchange_control_number=control,
                     created=datetime(2026, 11, 20, 9, 30))


def lines_of(bill: Bill) -> list[BillLine]:
    with scopes_disabled():
        return list(BillLine.objects.filter(bill=bill).order_by("pk"))


def fresh(bill: Bill) -> Bill:
    with scopes_disabled():
        return Bill.objects.get(pk=bill.pk)


def upload(client, text: str, name: str = "remit.835"):  # type: ignore[no-untyped-def]
    return client.post(reverse("billing:remittance"),
                       {"file": SimpleUploadedFile(name, text.encode("utf-8"))}, follow=True)


def test_partial_payment_reversal_unmatched_and_the_same_file_twice(tenant):
    contract, referral = billing_setup(tenant)
    full = make_bill(tenant, contract, referral, ["7.50", "7.50"], status=BillStatus.APPROVED)
    partial = make_bill(tenant, contract, referral, ["20.00", "10.00"], status=BillStatus.APPROVED)
    reversed_ = make_bill(tenant, contract, referral, ["12.00"], status=BillStatus.APPROVED)
    first, second = lines_of(full)
    text = file_835(
        "TRACE1",
        claim(full.number, "1", "15.00", "15.00", lines=[
            LinePayment("S5170", ("U1",), Decimal("7.50"), Decimal("7.50"), 1,
                        first.service_date, str(first.pk)),
            LinePayment("S5170", ("U1",), Decimal("7.50"), Decimal("7.50"), 1,
                        second.service_date, str(second.pk))]),
        # Paid 25.00 of 30.00, no line detail: shared pro rata, CO-45 kept.
        claim(partial.number, "1", "30.00", "25.00",
              cas=[Adjustment("CO", "45", Decimal("5.00"))]),
        claim(reversed_.number, "1", "12.00", "12.00"),
        claim("NOSUCHCLAIM", "1", "5.00", "5.00"))
    hub = signed_in(tenant.users["hub_admin"])
    page = upload(hub, text).content.decode()
    assert "3 matched, 1 partly paid, 0 reversed, 1 unmatched" in page
    assert "NOSUCHCLAIM" in page and "no bill of this hub has this number" in page

    assert (fresh(full).status, str(fresh(full).paid_amount)) == ("paid", "15.00")
    assert [str(x.paid_amount) for x in lines_of(full)] == ["7.50", "7.50"]
    assert (fresh(partial).status, str(fresh(partial).paid_amount)) == ("partial", "25.00")
    # 25.00 over 20.00 and 10.00: 16.666.. and 8.333.., to the cent, adding up.
    assert [str(x.paid_amount) for x in lines_of(partial)] == ["16.67", "8.33"]
    assert lines_of(partial)[0].adjustments == [{"group": "CO", "reason": "45", "amount": "5.00"}]
    assert str(fresh(reversed_).paid_amount) == "12.00"

    # The same file again changes nothing and says when it was posted.
    again = upload(hub, text, "copy.835").content.decode()
    assert "This file was already posted on" in again
    with scopes_disabled():
        assert Remittance.objects.count() == 1
        assert RemittanceItem.objects.count() == 4
    assert str(fresh(partial).paid_amount) == "25.00"

    # A later file reverses the 12.00 payment (CLP02 22, negative amounts) and pays more.
    later = make_bill(tenant, contract, referral, ["20.00"], status=BillStatus.APPROVED)
    upload(hub, file_835("TRACE2", claim(reversed_.number, "22", "-12.00", "-12.00"),
                         claim(later.number, "1", "20.00", "20.00"), control=2))
    gone = fresh(reversed_)
    assert (gone.status, str(gone.paid_amount)) == ("reversed", "0.00")
    assert [str(x.paid_amount) for x in lines_of(reversed_)] == ["0.00"]
    assert lines_of(reversed_)[0].status == "approved"
    assert fresh(later).status == "paid"
    with scopes_disabled():
        posted = AuditEvent.objects.filter(object_type="remittance", action="create")
        assert [e.detail["reversed"] for e in posted.order_by("seq")] == [0, 1]


def test_a_malformed_file_is_refused_whole_naming_the_segment(tenant):
    contract, referral = billing_setup(tenant)
    bill = make_bill(tenant, contract, referral, ["7.50"], status=BillStatus.APPROVED)
    good = file_835("TRACE3", claim(bill.number, "1", "7.50", "7.50"))
    broken = good.replace("CLP*", "CLX*", 1)
    hub = signed_in(tenant.users["hub_admin"])
    response = upload(hub, broken, "broken.835")
    assert response.status_code == 400
    body = response.content.decode()
    assert "broken.835" in body and "CLX" in body
    with scopes_disabled():
        assert Remittance.objects.count() == 0
    assert fresh(bill).status == BillStatus.APPROVED
    assert str(fresh(bill).paid_amount) == "0.00"


def test_the_plan_downloads_an_835_that_the_hub_posts(tenant):
    contract, referral = billing_setup(tenant)
    bills = [make_bill(tenant, contract, referral, ["7.50", "15.00"], status=BillStatus.APPROVED),
             make_bill(tenant, contract, referral, ["30.00"], status=BillStatus.APPROVED)]
    waiting = make_bill(tenant, contract, referral, ["9.99"])
    plan = signed_in(tenant.users["payer_analyst"])
    listing = plan.get(reverse("billing:remittance_export")).content.decode()
    assert "52.50" in listing
    response = plan.get(reverse("billing:remittance_export"), {"hub": tenant.hub.pk})
    assert response.status_code == 200
    text = response.content.decode()
    assert text.startswith("ISA*") and waiting.number not in text

    hub = signed_in(tenant.users["hub_admin"])
    assert "2 matched, 0 partly paid" in upload(hub, text).content.decode()
    assert {fresh(b).status for b in bills} == {"paid"}
    assert [str(x.paid_amount) for x in lines_of(bills[0])] == ["7.50", "15.00"]
    assert fresh(bills[0]).paid_at.date() == timezone.localdate()


def test_another_organisation_sees_no_remittance(tenant, other_tenant):
    contract, referral = billing_setup(tenant)
    bill = make_bill(tenant, contract, referral, ["7.50"], status=BillStatus.APPROVED)
    with scopes_disabled():
        from tests.integration.conftest import acting_as

        result = services.post_835(file_835("TRACE4", claim(bill.number, "1", "7.50", "7.50")),
                                   "r.835", acting=acting_as(tenant.users["hub_admin"], tenant.hub))
    other_hub = signed_in(other_tenant.users["hub_admin"])
    assert other_hub.get(reverse("billing:remittance_detail",
                                 args=[result.remittance.pk])).status_code == 404
    assert "TRACE4" not in other_hub.get(reverse("billing:remittance")).content.decode()
    other_plan = signed_in(other_tenant.users["payer_manager"])
    assert other_plan.get(reverse("billing:remittance_export"),
                          {"hub": tenant.hub.pk}).status_code == 404
    # The other hub posting the same file matches none of this hub's bills.
    with scopes_disabled():
        from tests.integration.conftest import acting_as

        theirs = services.post_835(file_835("TRACE4", claim(bill.number, "1", "7.50", "7.50")),
                                   "r.835", acting=acting_as(other_tenant.users["hub_admin"],
                                                             other_tenant.hub))
    assert theirs.matched == 0 and len(theirs.unmatched) == 1
    assert str(fresh(bill).paid_amount) == "7.50"


def test_the_835_names_what_the_plan_must_add_first(tenant):
    from carehub.network.models import Location

    contract, referral = billing_setup(tenant)
    make_bill(tenant, contract, referral, ["7.50"], status=BillStatus.APPROVED)
    with scopes_disabled():
        Location.objects.filter(organisation=tenant.payer).update(phone="")
    response = signed_in(tenant.users["payer_manager"]).get(
        reverse("billing:remittance_export"), {"hub": tenant.hub.pk})
    assert response.status_code == 400
    assert "Alpha Plan needs a ten-digit phone number in the directory" in response.content.decode()
