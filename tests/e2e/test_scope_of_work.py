"""A hub admin fills in a scope of work and watches the checklist turn complete."""

from __future__ import annotations

from datetime import date

import pytest
from django_scopes import scopes_disabled

from carehub.contracts.models import LifecycleTask
from tests.e2e.conftest import check_accessibility, sign_in_verified, visit
from tests.integration.contracts.factories import CRITERIA, make_contract

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hub_admin_fills_scope_of_work_until_checklist_complete(page, tenant):  # type: ignore[no-untyped-def]
    contract = make_contract(tenant)
    with scopes_disabled():
        # Pre-launch planning has dated its tasks (credentialing, training, ...).
        LifecycleTask.objects.filter(contract=contract, stage="pre_launch").update(
            due=date(2026, 1, 15))
    sign_in_verified(page, tenant.users["hub_admin"])
    check_accessibility(page)

    visit(page, f"/contracts/{contract.code}/checklist/")
    status = page.locator("#checklist-status")
    assert "Missing before implementation" in status.inner_text()
    assert "5 of 22 provisions present" in page.content()  # the dated pre-launch tasks

    page.get_by_role("link", name="Edit scope of work").click()
    form = page.locator("#scope-form")
    form.wait_for()
    check_accessibility(page)
    form.locator('[name="criteria"]').fill(CRITERIA)
    form.locator('[name="prioritisation_not_applicable"]').check()
    form.locator('[name="min_volume"]').fill("100")
    form.locator('[name="max_volume"]').fill("500")
    form.locator('[name="licences_not_applicable"]').check()
    form.locator('[name="credentialing"]').fill("The hub verifies identities and certificates.")
    form.locator('[name="trainings"]').fill("Food safety; privacy.")
    aspects = ["referrals", "data", "billing", "evaluation"]
    for i, aspect in enumerate(aspects):
        form.locator(f'[name="contacts-{i}-aspect"]').select_option(aspect)
        form.locator(f'[name="contacts-{i}-organisation"]').select_option(label="Alpha Hub")
        form.locator(f'[name="contacts-{i}-title"]').fill(f"{aspect} lead")
    form.locator('[name="escalation-0-level"]').fill("1")
    form.locator('[name="escalation-0-organisation"]').select_option(label="Alpha Hub")
    form.locator('[name="escalation-0-role"]').select_option("hub_coordinator")
    form.locator('[name="escalation-0-response_hours"]').fill("24")
    form.locator('[name="services-0-code"]').fill("HDM")
    form.locator('[name="services-0-name"]').fill("Home-delivered meal")
    form.locator('[name="services-0-service_type"]').select_option(label="Nutrition")
    form.locator('[name="services-0-setting"]').select_option("home")
    form.locator('[name="services-0-initiation"]').fill("Referred at discharge.")
    form.locator('[name="services-0-provision"]').fill("Two meals a day.")
    form.locator('[name="services-0-conclusion"]').fill("After 14 days.")
    form.locator('[name="services-0-timing_hours"]').fill("24")
    form.locator('[name="services-0-timing_anchor"]').select_option("discharge")
    form.locator('[name="services-0-max_duration_days"]').fill("14")
    form.locator('[name="workflows"]').fill("Plan sends discharges daily; hub routes.")
    form.locator('[name="escalation_process"]').fill("Raise in carehub; level 1 answers in 24h.")
    form.locator('[name="it_platforms"]').fill("carehub")
    for i, (direction, what) in enumerate([("to_payer", "Meals delivered"),
                                           ("to_provider", "Discharges")]):
        form.locator(f'[name="data-{i}-direction"]').select_option(direction)
        form.locator(f'[name="data-{i}-what"]').fill(what)
        form.locator(f'[name="data-{i}-when"]').fill("monthly")
        form.locator(f'[name="data-{i}-how"]').fill("SFTP CSV")
    form.locator('[name="revisit_terms_on"]').fill("2026-06-30")
    page.get_by_role("button", name="Save scope of work").click()

    page.wait_for_selector("#checklist-status")
    assert "Every required provision is present" in page.locator("#checklist-status").inner_text()
    assert "22 of 22 provisions present" in page.content()

    visit(page, f"/contracts/{contract.code}/")
    page.locator("#stage").select_option("implementation")
    page.get_by_role("button", name="Move").click()
    assert "Stage is now Implementation" in page.content()
