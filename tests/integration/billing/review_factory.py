"""Bills for the review, remittance and payout tests, made directly: a submission, its
bills and their lines, each line on a service delivery of a real referral."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count

from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.billing.models import Bill, BillLine, BillStatus, LineStatus, Submission
from carehub.contracts.models import Contract
from carehub.network.models import Location
from carehub.referrals.models import Referral, ServiceDelivery
from tests.integration.conftest import Tenant
from tests.integration.referrals.conftest import contract_with_terms, refer

_numbers = count(1)


def billing_setup(t: Tenant, code: str = "T-MEALS") -> tuple[Contract, Referral]:
    """The tenant's contract with terms and one referral at its CBO; ids for X12."""
    contract = contract_with_terms(t, code)
    with scopes_disabled():
        t.payer.tin = "12-3456789"
        t.payer.save()
        t.hub.npi = "1234567893"
        t.hub.tin = "98-7654321"
        t.hub.save()
        # Addresses and the payer's phone for the 835 (PER*BL, N3/N4).
        for org, city in ((t.payer, "Albany"), (t.hub, "Buffalo")):
            Location.objects.create(organisation=org, name=f"{org.name} office",
                                    address_1="1 Main Street", city=city,
                                    state_province="NY", postal_code="12207",
                                    phone="5185550100")
    return contract, refer(t, code)


def make_bill(t: Tenant, contract: Contract, referral: Referral, amounts: list[str], *,
              status: str = BillStatus.SUBMITTED, kind: str = "claim", number: str = "",
              submitted: datetime | None = None, period: str = "2026-10",
              first: date = date(2026, 10, 5), failures: list | None = None) -> Bill:
    submitted = submitted or timezone.now() - timedelta(days=3)
    number = number or f"C{next(_numbers):06d}{t.payer.pk}"
    with scopes_disabled():
        submission = Submission.objects.create(
            contract=contract, payer=t.payer, hub=t.hub, period=period, mode="claims",
            control_number=next(_numbers), submitted_at=submitted,
            total=sum((Decimal(a) for a in amounts), Decimal("0.00")))
        bill = Bill.objects.create(
            submission=submission, kind=kind, number=number, contract=contract, payer=t.payer,
            hub=t.hub, cbo=t.cbo, member=t.member if kind == "claim" else None, period=period,
            services="HDM", first_service=first, last_service=first + timedelta(days=len(amounts) - 1),
            line_count=len(amounts), amount=sum((Decimal(a) for a in amounts), Decimal("0.00")),
            status=status, submitted_at=submitted)
        line_status = {BillStatus.SUBMITTED: LineStatus.SUBMITTED,
                       BillStatus.APPROVED: LineStatus.APPROVED}.get(status, LineStatus.SUBMITTED)
        for index, amount in enumerate(amounts):
            on = first + timedelta(days=index)
            delivery = ServiceDelivery.objects.create(
                referral=referral, member=t.member, organisation=t.cbo, contract=contract,
                contract_code=contract.code, service_code="HDM", date=on, units=1,
                setting="home", at=timezone.now())
            BillLine.objects.create(
                delivery=delivery, referral=referral, member=t.member, contract=contract,
                payer=t.payer, hub=t.hub, cbo=t.cbo, period=period, service_code="HDM",
                service_date=on, hcpcs="S5170", modifiers="U1", units=1, rate=Decimal(amount),
                amount=Decimal(amount), place_of_service="12", diagnosis_codes="Z59.41",
                status=line_status, bill=bill, failures=failures or [])
    return bill
