"""The review queue's CBO filter as a program manager uses it through the page: the CBOs
delivering under the plan's contracts are its choices, and choosing one shows its bills
only (the 1M-line review benchmark found every CBO choice refused)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.billing.models import Bill
from tests.integration.billing.review_factory import billing_setup, make_bill
from tests.integration.conftest import make_org, signed_in

pytestmark = pytest.mark.django_db


def test_the_cbo_filter_offers_the_plans_cbos_and_shows_only_the_chosen_ones_bills(tenant):
    contract, referral = billing_setup(tenant)
    bill = make_bill(tenant, contract, referral, ["12.00"])
    with scopes_disabled():
        other = make_org("cbo", "Unrelated Pantry")
        assert Bill.objects.get(pk=bill.pk).cbo_id == tenant.cbo.pk
    manager = signed_in(tenant.users["payer_manager"])
    page = manager.get(reverse("billing:review")).content.decode()
    assert f'<option value="{tenant.cbo.pk}">' in page and other.name not in page
    chosen = manager.get(reverse("billing:review"), {"cbo": tenant.cbo.pk}).content.decode()
    assert "Select a valid choice" not in chosen and bill.number in chosen
    refused = manager.get(reverse("billing:review"), {"cbo": other.pk}).content.decode()
    assert "Select a valid choice" in refused and bill.number not in refused
