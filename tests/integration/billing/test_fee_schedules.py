"""Fee schedules as data: the shipped schedules loaded by the migration, pages showing each
row's source and verification, a hub's own CSV (errors by row and column, nothing saved),
and the contract's choice of schedule."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.billing.models import ContractBilling, FeeSchedule, FeeScheduleRow
from carehub.billing.services.lines import contract_billing, schedule_of
from carehub.core.billing.fee_schedule import shipped_schedules
from tests.integration.billing.claims_setup import claims_contract
from tests.integration.conftest import signed_in

pytestmark = pytest.mark.django_db

GOOD = """service,code,modifiers,unit,rate,effective,ends,per_day,verification,source
Home-delivered meal,S5170,U1,meal,7.35,2026-01-01,,3,verified,our contract with the plan
"""
BAD = """service,code,modifiers,unit,rate,effective,ends,verification
Meal,S517,U1,meal,7.355,2026-13-01,,verified
"""


def test_the_migration_loads_every_shipped_row():
    with scopes_disabled():
        for name, schedule in shipped_schedules().items():
            stored = FeeSchedule.objects.get(owner=None, name=name)
            assert FeeScheduleRow.objects.filter(schedule=stored).count() == len(schedule)
        chi = FeeSchedule.objects.get(name="medicare-chi")
        core = schedule_of(chi.pk)
    row = core.lookup("G0019", (), date(2026, 3, 1))
    assert row is not None and str(row.rate) == "77.96" and row.per_period == 1


def test_pages_show_source_and_verification_to_hub_and_payer(tenant, other_tenant):
    with scopes_disabled():
        calaim = FeeSchedule.objects.get(owner=None, name="calaim-community-supports")
    for role in ("hub_admin", "hub_coordinator", "payer_manager", "payer_analyst"):
        client = signed_in(tenant.users[role])
        listing = client.get("/billing/fee-schedules/")
        assert listing.status_code == 200 and "calaim-community-supports" in listing.content.decode()
        detail = client.get(f"/billing/fee-schedules/{calaim.pk}/").content.decode()
        assert "H0043" in detail and "secondary — verify" in detail and "DHCS" in detail
    assert signed_in(tenant.users["cbo_worker"]).get("/billing/fee-schedules/").status_code == 404


def test_a_hub_loads_its_own_schedule_and_others_never_see_it(tenant, other_tenant):
    client = signed_in(tenant.users["hub_admin"])
    refused = client.post("/billing/fee-schedules/upload/", {
        "name": "alpha-2026", "file": SimpleUploadedFile("bad.csv", BAD.encode())})
    text = refused.content.decode()
    assert refused.status_code == 400
    assert "row 2, column code" in text and "row 2, column rate" in text
    assert "row 2, column effective" in text
    with scopes_disabled():
        assert not FeeSchedule.objects.filter(owner=tenant.hub).exists()
    loaded = client.post("/billing/fee-schedules/upload/", {
        "name": "alpha-2026", "file": SimpleUploadedFile("good.csv", GOOD.encode())})
    assert loaded.status_code == 302
    with scopes_disabled():
        mine = FeeSchedule.objects.get(owner=tenant.hub, name="alpha-2026")
        assert mine.rows.get().per_day == 3
        assert AuditEvent.objects.filter(object_type="fee_schedule").exists()
    assert client.get(f"/billing/fee-schedules/{mine.pk}/").status_code == 200
    for role in ("hub_admin", "payer_manager"):
        assert signed_in(other_tenant.users[role]).get(
            f"/billing/fee-schedules/{mine.pk}/").status_code == 404
    # Only the hub administrator loads.
    assert signed_in(tenant.users["hub_coordinator"]).post("/billing/fee-schedules/upload/", {
        "name": "x", "file": SimpleUploadedFile("good.csv", GOOD.encode())}).status_code == 404


def test_the_hub_chooses_a_contracts_schedule_and_filing_window(tenant, other_tenant):
    contract = claims_contract(tenant, schedule=False)
    with scopes_disabled():
        chi = FeeSchedule.objects.get(owner=None, name="medicare-chi")
    client = signed_in(tenant.users["hub_admin"])
    client.post("/billing/fee-schedules/contract/", {
        "contract": contract.pk, "fee_schedule": chi.pk, "timely_filing_days": "180",
        "eligible_products": "medicaid  dsnp"})
    found = contract_billing(contract)
    assert (found.fee_schedule_id, found.timely_filing_days, found.eligible_products) == (
        chi.pk, 180, "medicaid dsnp")
    # Another hub cannot set it (its form does not offer the contract).
    signed_in(other_tenant.users["hub_admin"]).post("/billing/fee-schedules/contract/", {
        "contract": contract.pk, "fee_schedule": "", "timely_filing_days": "30"})
    with scopes_disabled():
        assert ContractBilling.objects.get(contract=contract).timely_filing_days == 180
