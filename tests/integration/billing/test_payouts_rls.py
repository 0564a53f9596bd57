"""Row-level security on payouts, bills and remittances: the hub, the plan and each CBO
see their own rows, and a CBO loads its advices through the page under the tenant role."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.billing.models import BillStatus
from carehub.billing.services import payouts, remittance
from carehub.core.billing.claims import Party
from carehub.core.billing.x12_835 import ClaimPayment, write_835
from carehub.core.billing.x12_835 import Remittance as Advice
from carehub.tenancy.rls import tenant_connection
from tests.integration.billing.review_factory import billing_setup, make_bill
from tests.integration.conftest import acting_as, make_org, make_user, signed_in
from tests.integration.referrals.conftest import deliver_under

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed table names)
        return int(cursor.fetchone()[0])


def test_each_party_sees_its_own_billing_rows(tenant, other_tenant):
    contract, referral = billing_setup(tenant)
    with scopes_disabled():
        second = make_org("cbo", "Alpha Second Pantry")
        make_user("Alpha-second-super", second, "cbo_supervisor")
    deliver_under(contract.code, second, tenant.hub)
    bill = make_bill(tenant, contract, referral, ["7.50"], status=BillStatus.APPROVED)
    text = write_835(Advice(
        trace_number="RLS1", payment_total=Decimal("7.50"), payment_date=date(2026, 11, 2),
        payer=Party(name="Plan", tin="12-3456789", contact_phone="5185550100", address="1 Way", city="Albany", state="NY",
                    zip="12207"),
        payee=Party(name="Hub", npi="1234567893", address="2 St", city="Albany", state="NY",
                    zip="12207"),
        claims=(ClaimPayment(claim_id=bill.number, status="1", charged=Decimal("7.50"),
                             paid=Decimal("7.50"), patient_responsibility=Decimal("0.00"),
                             payer_control_number="X", member_id="Alpha-M1",
                             patient_last_name="Alphamember"),)),
        sender_id="PLAN", receiver_id="HUB", interchange_control_number=3,
        created=datetime(2026, 11, 2, 8, 0))
    hub = acting_as(tenant.users["hub_admin"], tenant.hub)
    with scopes_disabled():
        remittance.post_835(text, "r.835", acting=hub)
        payouts.issue_payouts(contract, "2026-10", acting=hub)

    seen = {}
    for name, org in (("hub", tenant.hub), ("plan", tenant.payer), ("cbo", tenant.cbo),
                      ("second", second), ("other", other_tenant.hub)):
        with tenant_connection(org.pk):
            seen[name] = {t: count(f"billing_{t}") for t in
                          ("bill", "billline", "billdecision", "remittance", "remittanceitem",
                           "cbopayout")}
    assert seen["hub"] == {"bill": 1, "billline": 1, "billdecision": 0, "remittance": 1,
                           "remittanceitem": 1, "cbopayout": 1}
    assert seen["plan"] == {"bill": 1, "billline": 1, "billdecision": 0, "remittance": 1,
                            "remittanceitem": 1, "cbopayout": 0}
    assert seen["cbo"] == {"bill": 1, "billline": 1, "billdecision": 0, "remittance": 0,
                           "remittanceitem": 0, "cbopayout": 1}
    assert set(seen["second"].values()) == {0}
    assert set(seen["other"].values()) == {0}

    # Through the page, under the tenant role: the CBO loads its advice, the second CBO
    # of the same contract does not see it.
    page = signed_in(tenant.users["cbo_supervisor"]).get(reverse("billing:payouts"))
    assert page.status_code == 200 and "6.75" in page.content.decode()
    from django.contrib.auth import get_user_model

    with scopes_disabled():
        other_super = get_user_model().objects.get(username="Alpha-second-super")
    assert "6.75" not in signed_in(other_super).get(reverse("billing:payouts")).content.decode()
