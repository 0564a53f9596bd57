"""A hub prepares a JOC meeting (story from a consenting member, the scorecard, the
case-conference list), holds it (attendance, minutes, an action item), sends it and
draws the pack as a job; the PDF's pages are read back (text, charts, margins). On a
phone and a desk, nothing scrolls sideways, axe-core finds nothing serious."""

from __future__ import annotations

from datetime import date

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from django_scopes import scopes_disabled

from carehub.reporting.models.joc import Meeting
from tests.e2e.conftest import BOTH_WIDTHS, fits_the_screen, shot, sign_in_verified, visit
from tests.integration.reporting.joc_world import build, story_consent
from tests.integration.reporting.scorecard_world import (
    make_members,
    make_referrals,
    seeds_sample_plan,
)

# The PDF is drawn by a job the `worker` fixture runs: PostgreSQL only (see test_hub_billing).
pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
MM = 72 / 25.4
STORY = "Meals came the day after discharge; she is back at her lunch club."


@BOTH_WIDTHS
def test_the_hub_prepares_holds_and_sends_a_meeting(page, tenant, worker):  # type: ignore[no-untyped-def]
    w = build(tenant)
    plan = seeds_sample_plan()
    make_referrals(w.contract, tenant.cbo, make_members(tenant.payer, len(plan), "S",
                                                        hub=tenant.hub),
                   plan, date(2026, 11, 10))
    story_consent(tenant, w.members["active"])
    width = page.viewport_size["width"]
    pk = w.meeting.pk
    sign_in_verified(page, tenant.users["hub_admin"])
    page.get_by_role("link", name="Reporting").first.click()
    page.get_by_role("link", name="Joint operating committees").click()
    page.get_by_role("link", name="T-JOC committee").click()
    page.get_by_role("heading", name="T-JOC committee").wait_for()
    assert fits_the_screen(page)
    shot(page, f"joc-committee-{width}")

    visit(page, f"/reporting/joc/meetings/{pk}/prepare/")
    assert page.get_by_text("open escalation: transportation").first.is_visible()
    page.get_by_label("Member (with story-sharing consent)").select_option(
        str(w.members["active"].pk))
    page.get_by_label("Told by").fill("Frontline worker")
    page.get_by_label("Title").fill("Back at the lunch club")
    page.get_by_label("Text").fill(STORY)
    page.get_by_role("button", name="Add the story").click()
    page.get_by_role("heading", name="Back at the lunch club").wait_for()
    page.get_by_label(f"List {w.members['escalated'].member_id}").check()
    page.get_by_label(f"List {w.members['overdue'].member_id}").check()
    page.get_by_role("button", name="List the chosen members").click()
    page.get_by_role("heading", name="Listed for this meeting").wait_for()
    assert fits_the_screen(page)
    shot(page, f"joc-prepare-{width}")

    page.get_by_role("link", name="Hold the meeting →").click()
    page.get_by_label("Alpha-Hubadmin Tester").check()
    page.get_by_label("Alpha-Manager Tester").check()
    page.get_by_label("Data presentation", exact=True).fill("Outreach is a point under goal.")
    page.get_by_label("Workflow bottlenecks").fill("Discharge lists arrive late on Mondays.")
    page.get_by_role("button", name="Save the minutes").click()
    page.get_by_label("Action", exact=True).fill("Send discharge lists by 9 am")
    page.get_by_label("Or an owner outside carehub").fill("Plan operations")
    page.get_by_label("Due").fill("2026-12-15")
    page.get_by_role("button", name="Add the action item").click()
    page.get_by_text("Send discharge lists by 9 am").wait_for()
    assert fits_the_screen(page)
    shot(page, f"joc-hold-{width}")
    page.get_by_role("button", name="Finish and send the pack").click()
    page.get_by_role("button", name="Draw the PDF").wait_for()
    with scopes_disabled():
        assert Meeting.objects.get(pk=pk).status == "sent"
    assert page.get_by_text("Outreach rate was 79% against a goal of 80%").is_visible()
    assert page.locator(".joc-charts svg").count() >= 4
    assert fits_the_screen(page)
    shot(page, f"joc-pack-{width}")

    page.get_by_role("button", name="Draw the PDF").click()
    page.get_by_text("is ready").wait_for(timeout=60_000)
    answer = page.request.get(f"{page.base_url}/reporting/joc/meetings/{pk}/pack.pdf")
    assert answer.status == 200
    doc = pdfium.PdfDocument(answer.body())
    texts = []
    for n, pdf_page in enumerate(doc, start=1):
        texts.append(pdf_page.get_textpage().get_text_range())
        pdf_page.render(scale=1.5).to_pil().save(f"/tmp/joc-pack-e2e-{width}-{n}.png")
        page_width, page_height = pdf_page.get_size()
        for obj in pdf_page.get_objects(max_depth=2):
            left, bottom, right, top = obj.get_bounds()
            assert 15 * MM - 1 <= left and right <= page_width - 15 * MM + 1
            assert 10 * MM - 1 <= bottom and top <= page_height - 15 * MM + 1
    every = "\n".join(texts)
    for expected in ("T-JOC committee", "Agenda", "Back at the lunch club", "2,069", "79%",
                     "Send discharge lists by 9 am", "Discharge lists arrive late"):
        assert expected in every, expected
    charts = sum(1 for p in doc for o in p.get_objects(max_depth=3)
                 if o.type == pdfium_c.FPDF_PAGEOBJ_PATH)
    assert charts > 40
    assert w.members["active"].member_id not in every
