"""A job's page as a person sees it, on a phone and at a desk: the bar moves while a real
worker runs the job, survives a reload, ends with a link to the result; another job is
cancelled from its page; My jobs lists both."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from carehub.jobs import services
from tests.e2e.conftest import (
    BOTH_WIDTHS,
    check_accessibility,
    fits_the_screen,
    shot,
    sign_in,
    visit,
)
from tests.integration.conftest import acting_as
from tests.integration.jobs.sample_tasks import slow_count_task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def bar_value(page) -> int:  # type: ignore[no-untyped-def]
    return int(page.locator("section.job-progress progress").get_attribute("value") or 0)


@BOTH_WIDTHS
def test_the_bar_moves_survives_a_reload_finishes_and_another_job_is_cancelled(
        page, tenant, worker, viewport):
    analyst = tenant.users["payer_analyst"]
    n = 40
    services.start_job(slow_count_task, kind="test.count", title="Count the roster",
                             acting=acting_as(analyst), params={"n": n, "sleep": 0.15},
                             total=n)
    sign_in(page, analyst.username)
    page.wait_for_selector("h1")
    page.get_by_role("link", name="My jobs").first.click()
    expect(page.get_by_role("heading", name="My jobs")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Count the roster").click()
    expect(page.get_by_role("heading", name="Count the roster")).to_be_visible()

    # The bar moves without a reload (htmx asks for it every second).
    page.wait_for_function("() => { const p = document.querySelector('section.job-progress "
                           "progress'); return p && +p.value > 0 && +p.value < +p.max; }")
    check_accessibility(page)
    shot(page, f"job-running-{viewport['width']}")
    before = bar_value(page)
    expect(page.locator(".job-figures")).to_contain_text(re.compile(r"\d+ of 40"))
    expect(page.locator(".job-figures")).to_contain_text("Counting slowly")

    # A reload mid-way shows the job where it is, still moving.
    page.reload()
    assert bar_value(page) >= before
    expect(page.get_by_role("button", name="Cancel")).to_be_visible()

    # It finishes: the bar is full, polling stops, the result is linked.
    expect(page.locator("section.job-progress")).to_have_attribute("data-status", "succeeded",
                                                                   timeout=30_000)
    assert bar_value(page) == n
    expect(page.get_by_text("Counted 40 slowly.")).to_be_visible()
    expect(page.get_by_role("link", name="See the result")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel")).to_have_count(0)
    assert page.locator("section.job-progress[hx-trigger]").count() == 0
    check_accessibility(page)
    assert fits_the_screen(page)
    shot(page, f"job-finished-{viewport['width']}")

    # Another job, cancelled from its page while it runs.
    other = services.start_job(slow_count_task, kind="test.count", title="Count again",
                               acting=acting_as(analyst), params={"n": 400, "sleep": 0.05},
                               total=400)
    visit(page, f"/jobs/{other.pk}/")
    page.wait_for_function("() => +document.querySelector('section.job-progress progress')"
                           ".value > 0")
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("section.job-progress")).to_have_attribute("data-status", "cancelled",
                                                                   timeout=20_000)
    expect(page.locator(".job-end")).to_contain_text("Cancelled at Counting slowly")
    assert bar_value(page) < 400
    shot(page, f"job-cancelled-{viewport['width']}")

    # My jobs: both, with their status and a small bar.
    visit(page, "/jobs/")
    rows = page.locator("table.jobs tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Count the roster")).to_contain_text("Finished")
    expect(rows.filter(has_text="Count again")).to_contain_text("Cancelled")
    assert fits_the_screen(page)
    shot(page, f"job-list-{viewport['width']}")
    assert worker.worker_id == "e2e-worker"
