"""At phone width: a hub coordinator assesses a CBO, reads its scores and adds a TA task;
the CBO's supervisor marks the task done; both open the resource library."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from carehub.reporting import readiness_questions as q
from carehub.reporting.models.readiness import ReadinessAssessment, TaTask
from tests.e2e.conftest import fits_the_screen, shot, sign_in_verified, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hub_assesses_a_cbo_and_the_cbo_completes_its_task(page, tenant):  # type: ignore[no-untyped-def]
    sign_in_verified(page, tenant.users["hub_coordinator"])
    visit(page, "/reporting/readiness/")
    assert fits_the_screen(page)
    page.get_by_role("link", name="Alpha Pantry").click()
    page.get_by_role("link", name="Assess Alpha Pantry").click()
    page.locator("legend", has_text="Billing").wait_for()
    visit(page, page.url.replace(page.base_url, ""))
    assert fits_the_screen(page)
    for domain in q.DOMAINS:
        for question in domain.questions:
            value = 1 if domain.key == "billing" else 2
            page.locator(f'input[name="q_{question.key}"][value="{value}"]').check()
    page.get_by_label("Note on: Has an NPI or payer-assigned id").fill("Applying in March")
    shot(page, "readiness-assess-390")
    page.get_by_role("button", name="Record the assessment").click()
    page.wait_for_selector("text=Readiness of Alpha Pantry recorded: 92%")
    assert "Billing: 50%" in page.inner_text("main")
    assert fits_the_screen(page)
    with scopes_disabled():
        found = ReadinessAssessment.objects.get()
    assert (found.overall, found.by_domain["billing"]) == (92, 50)

    page.get_by_role("link", name="Back to Alpha Pantry").click()
    page.get_by_label("Task").fill("Apply for an NPI")
    page.get_by_label("Domain").select_option("billing")
    page.get_by_role("button", name="Add task").click()
    page.wait_for_selector("text=Task added: Apply for an NPI.")
    assert fits_the_screen(page)
    shot(page, "readiness-cbo-390")

    page.context.clear_cookies()
    sign_in_verified(page, tenant.users["cbo_supervisor"])
    visit(page, "/reporting/readiness/")
    page.get_by_label("Status of Apply for an NPI").select_option("done")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=Apply for an NPI: saved.")
    with scopes_disabled():
        assert TaTask.objects.get().status == "done"
    visit(page, "/reporting/resources/")
    assert "Example payment model: Capitation" in page.content()
    assert fits_the_screen(page)
