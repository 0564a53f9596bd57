"""The whole referral loop through every role, on a phone (390 px) and at a desk (1366 px)
(issue 11, "Done when"): the plan refers; the hub coordinator meets a referral the
contract's rules refuse and one no CBO qualifies for, and routes it; the CBO supervisor
assigns in bulk; the worker reaches, screens (one domain positive, referred on), enrols,
logs a service (a refused one first, shown beside the form) and completes; an escalation
travels two levels and is resolved from the queue of the role it reached.

Every page is checked with axe-core; the `page` fixture fails on console errors, CSP
violations and unexpected answers."""

from __future__ import annotations

import os
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from carehub.members.models import EnrolmentSpan, Member, MemberAccess
from carehub.referrals import services
from carehub.referrals.models import Escalation, Referral
from carehub.tenancy.access import Acting
from tests.e2e.conftest import (
    BOTH_WIDTHS,
    check_accessibility,
    fits_the_screen,
    sign_in_verified,
    visit,
)
from tests.e2e.conftest import shot as shot_if_asked
from tests.integration.conftest import Tenant
from tests.integration.referrals.conftest import contract_with_terms, directory_service
from tests.integration.referrals.test_worker_page import a_shelter, reachable

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The contract's eligible population: plan members on Medicare Advantage or a D-SNP.
PRODUCTS = """population: post-discharge-meals
as_of: 2026-01-01
require:
  product: [medicare_advantage, dsnp]
  age: {min: 18}
"""
TOMORROW = (timezone.localdate() + timedelta(days=1)).isoformat()
NEEDS_ROUTING = "no CBO under T-MEALS covers Bronx County for nutrition"


def shot(page: Any, name: str) -> None:
    """The step as it looks, into $CAREHUB_SCREENSHOTS when set; the page never scrolls
    sideways."""
    assert fits_the_screen(page), f"{name}: the page is wider than the screen"
    shot_if_asked(page, f"loop-{page.viewport_size['width']}-{name}", full=False)


def checked(page: Any) -> None:
    check_accessibility(page)
    assert fits_the_screen(page), f"{page.url} is wider than the screen"


def plan_member(t: Tenant, member_id: str, first: str, last: str, *, county: str,
                product: str = "medicare_advantage") -> Member:
    """A member of the tenant's plan, enrolled, that both the plan and the hub may see."""
    with scopes_disabled():
        member = Member.objects.create(
            plan=t.payer, member_id=member_id, first_name=first, last_name=last,
            birth_date=date(1948, 3, 2), sex="F", product=product, county=county)
        EnrolmentSpan.objects.create(member=member, start=date(2025, 1, 1))
        MemberAccess.objects.create(member=member, organisation=t.payer, reason="plan")
        MemberAccess.objects.create(member=member, organisation=t.hub, reason="program")
    return member


def switch_to(page: Any, user: Any) -> None:
    """Sign out (cookies gone) and in again as `user`."""
    page.context.clear_cookies()
    with scopes_disabled():
        # A second sign-in within the same 30-second window would replay the code the
        # authenticator showed the first time, which the second factor rightly refuses.
        TOTPDevice.objects.filter(user=user).update(last_t=-1)
    sign_in_verified(page, user)
    expect(page.get_by_text(user.get_full_name(), exact=True)).to_be_visible()
    checked(page)


def refer_on_form(page: Any, member: str, contract: str) -> None:
    """Fill the referral form's pickers (plan or hub) for `member` and send it."""
    page.get_by_label("Name or member id").fill(member)
    choice = page.locator("#member-results input[type=radio]").first
    choice.wait_for()
    choice.check()
    with page.expect_response("**/pickers/services/**"):
        page.get_by_label("Contract").select_option(label=contract)
    page.get_by_label("Service", exact=True).select_option(label="HDM Home-delivered meal")
    with page.expect_navigation():
        page.get_by_role("button", name="Refer").click()


def panel_form(page: Any, action: str) -> Any:
    return page.locator(f"#referral-panel form[action$='/{action}/']")


def move(page: Any, target: str, label: str, **extra: str) -> None:
    form = panel_form(page, "transition")
    form.locator("select[name=target]").select_option(target)
    for name, value in extra.items():
        form.locator(f"select[name={name}]").select_option(value)
    form.get_by_role("button", name="Move").click()
    expect(page.locator("#referral-state")).to_have_text(label)


@BOTH_WIDTHS
def test_the_referral_loop_through_every_role(page, tenant, viewport):  # type: ignore[no-untyped-def]
    page.set_default_timeout(30_000)  # a shared machine can be slow to serve
    contract_with_terms(tenant, criteria=PRODUCTS)
    directory_service(tenant.cbo)  # nutrition in Erie County
    reachable(tenant)  # Ada's phones, address and best time
    shelter = a_shelter(tenant)  # tenancy support in Erie County, HSG on the contract
    bea = plan_member(tenant, "B-77", "Bea", "Bronxdale", county="Bronx, NY")
    plan_member(tenant, "C-12", "Cal", "Caidley", county="Erie, NY", product="medicaid")
    if os.environ.get("CAREHUB_SCREENSHOTS"):
        os.makedirs(os.environ["CAREHUB_SCREENSHOTS"], exist_ok=True)

    # 1. The plan refers two members and sees where each went.
    sign_in_verified(page, tenant.users["payer_manager"])
    visit(page, "/referrals/plan/")
    page.get_by_role("link", name="Refer a member").click()
    page.wait_for_url("**/referrals/plan/refer/")
    checked(page)
    refer_on_form(page, "Alphamember", "T-MEALS T-MEALS (with Alpha Hub)")
    expect(page.locator("#decision-h")).to_have_text("Referred to Alpha Pantry")
    checked(page)
    shot(page, "1-plan-referred")
    refer_on_form(page, "Bronxdale", "T-MEALS T-MEALS (with Alpha Hub)")
    expect(page.locator("#decision-h")).to_have_text("Waiting in the hub's needs-routing queue")
    expect(page.get_by_text(f"No CBO qualifies: {NEEDS_ROUTING}.")).to_be_visible()
    checked(page)
    shot(page, "1-plan-held")

    # 2. The hub coordinator: a Medicaid member is refused by the contract's products
    # rule, beside the form; the held referral is routed from the queue with a reason.
    switch_to(page, tenant.users["hub_coordinator"])
    visit(page, "/referrals/hub/new/")
    page.checks.expect_status(400)
    refer_on_form(page, "Caidley", "T-MEALS T-MEALS (paid by Alpha Plan)")
    refusal = page.locator("form[method=post] [data-form-errors]")
    expect(refusal).to_have_attribute("role", "alert")
    expect(refusal).to_contain_text("Referral not made: T-MEALS covers Medicare Advantage and "
                                    "Dual-eligible special needs plan members; this member "
                                    "is on Medicaid.")
    # What was chosen is still there to correct.
    expect(page.locator("#member-results input[type=radio]:checked")).to_have_count(1)
    expect(page.get_by_label("Service", exact=True).locator("option:checked")).to_have_text(
        "HDM Home-delivered meal")
    checked(page)
    refusal.scroll_into_view_if_needed()
    shot(page, "2-hub-refused")
    with scopes_disabled():
        assert not Referral.objects.filter(member__member_id="C-12").exists()

    page.get_by_role("link", name="Needs routing").first.click()
    page.wait_for_url("**/referrals/hub/needs-routing/")
    expect(page.get_by_role("cell", name=NEEDS_ROUTING)).to_be_visible()
    checked(page)
    shot(page, "2-hub-queue")
    page.get_by_label("Organisation", exact=True).select_option(label="Alpha Pantry")
    page.get_by_label("Why this organisation").fill("Alpha Pantry delivers to the Bronx on Fridays")
    page.get_by_role("button", name="Route").click()
    expect(page.get_by_text("Nothing waits for routing.")).to_be_visible()
    checked(page)
    with scopes_disabled():
        held = Referral.objects.get(member=bea)
        assert held.organisation_id == tenant.cbo.pk and not held.needs_routing

    # 3. The CBO supervisor gives both new referrals to the worker in one action.
    switch_to(page, tenant.users["cbo_supervisor"])
    visit(page, "/referrals/team/")
    page.locator("summary", has_text="Filter and sort").click()
    page.get_by_label("Unassigned only").check()
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/referrals/team/?*unassigned=on*")
    expect(page.locator("table.team tbody tr")).to_have_count(2)
    page.get_by_label("Select every referral on this page").check()
    page.get_by_label("Assign the ticked referrals to").select_option(label="Alpha-Worker Tester")
    page.get_by_role("button", name="Assign", exact=True).click()
    page.get_by_text("2 referrals assigned to Alpha-Worker Tester.").wait_for()
    checked(page)
    shot(page, "3-supervisor-assigned")

    # 4. The worker: reach Ada, screen, refer a domain on, enrol, log, complete.
    switch_to(page, tenant.users["cbo_worker"])
    visit(page, "/referrals/")
    page.get_by_role("link", name="Alphamember, Ada").first.click()
    page.locator("#referral-state").wait_for()
    checked(page)
    expect(page.get_by_role("link", name="(716) 555-0142")).to_have_attribute(
        "href", "tel:+17165550142")
    expect(page.get_by_text("weekday mornings")).to_be_visible()
    shot(page, "4-worker-card")
    attempt = panel_form(page, "attempt")
    attempt.locator("select[name=channel]").select_option("phone")
    attempt.locator("select[name=outcome]").select_option("reached")
    attempt.get_by_role("button", name="Record attempt").click()
    expect(page.locator("#referral-state")).to_have_text("Outreach")
    move(page, "contacted", "Contacted")

    # Three answers: saved as incomplete; the rest completes it, housing and food positive.
    page.get_by_label("Often true").first.check()
    page.locator('input[name="item-88123-5"][value="LA28397-0"]').check()
    page.locator('input[name="item-93030-5"][value="LA32-8"]').check()
    page.get_by_role("button", name="Save screening").click()
    expect(page.locator("#screening-incomplete")).to_contain_text("Incomplete: 7 of 10")
    checked(page)
    page.locator('input[name="item-71802-3"][value="LA31995-6"]').check()
    page.get_by_role("button", name="Save the answers").click()
    expect(page.locator("#screening-result")).to_contain_text("Positive: housing, food")
    page.get_by_label("Refer housing to").select_option(str(shelter.pk))
    page.get_by_role("button", name="Refer on").click()
    expect(page.locator("#screening-result")).to_contain_text(
        "Alpha Shelter works with the member on this.")
    checked(page)
    page.locator("#screening-result").scroll_into_view_if_needed()
    shot(page, "4-worker-referred-on")

    for target, label in (("screened", "Screened"), ("accepted", "Accepted support"),
                          ("enrolled", "Enrolled")):
        move(page, target, label)
    # A service dated tomorrow is refused beside the form, with what was typed kept.
    service = panel_form(page, "service")
    service.locator("[name=service_code]").fill("HDM")
    service.locator("[name=date]").fill(TOMORROW)
    service.locator("[name=units]").fill("2")
    service.get_by_role("button", name="Log units").click()
    service = panel_form(page, "service")
    expect(service.locator("[data-form-errors]")).to_contain_text(
        "A service cannot be logged for a future date.")
    assert service.locator("[name=date]").input_value() == TOMORROW
    assert service.locator("[name=units]").input_value() == "2"
    expect(page.locator("#referral-state")).to_have_text("Enrolled")
    checked(page)
    service.scroll_into_view_if_needed()
    shot(page, "4-worker-service-refused")
    service.locator("[name=date]").fill(timezone.localdate().isoformat())
    service.get_by_role("button", name="Log units").click()
    expect(page.locator("#referral-state")).to_have_text("In service")

    # A barrier the worker cannot lift: escalated, and kept open when the referral ends.
    escalate = panel_form(page, "escalate")
    escalate.locator("[name=barrier]").select_option("transportation")
    escalate.locator("[name=description]").fill("No driver for the Friday deliveries")
    escalate.get_by_role("button", name="Raise escalation").click()
    expect(page.get_by_text("No driver for the Friday deliveries").first).to_be_visible()
    expect(page.locator("#open-escalations-help")).to_contain_text("1 open escalation")
    move(page, "completed", "Completed", open_escalations="keep")
    checked(page)
    page.locator("#referral-state").scroll_into_view_if_needed()
    shot(page, "4-worker-completed")
    with scopes_disabled():
        escalation = Escalation.objects.get(referral__member=tenant.member)
        assert escalation.resolved_at is None and escalation.role == "cbo_supervisor"

    # 5. Unanswered, the escalation moves up: to the hub coordinator, who sees it...
    later = timezone.now() + timedelta(hours=25)
    with scopes_disabled():
        services.move_up_overdue(acting=Acting.system(), now=later)
        assert Escalation.objects.get(pk=escalation.pk).role == "hub_coordinator"
    switch_to(page, tenant.users["hub_coordinator"])
    page.get_by_role("link", name="Escalations", exact=True).first.click()
    page.wait_for_url("**/referrals/escalations/")
    card = page.locator("ol.escalation-queue > li").first
    expect(card).to_contain_text("Transportation: Alphamember, Ada")
    expect(card).to_contain_text("Hub coordinator")
    checked(page)
    shot(page, "5-hub-escalation-queue")

    # ...and on to the plan's program manager, who resolves it from the queue.
    with scopes_disabled():
        services.move_up_overdue(acting=Acting.system(), now=later + timedelta(hours=49))
        assert Escalation.objects.get(pk=escalation.pk).role == "payer_manager"
    switch_to(page, tenant.users["payer_manager"])
    page.get_by_role("link", name="Escalations", exact=True).first.click()
    page.wait_for_url("**/referrals/escalations/")
    card = page.locator("ol.escalation-queue > li").first
    expect(card).to_contain_text("Transportation: Alphamember, Ada")
    expect(card).to_contain_text("Plan program manager")
    checked(page)
    shot(page, "5-plan-escalation-queue")
    card.get_by_label("Resolution").fill("The plan pays a ride service for Friday deliveries")
    card.get_by_role("button", name="Resolve").click()
    page.get_by_text("Nothing waits for the plan program manager.").wait_for()
    checked(page)
    visit(page, f"/referrals/escalation/{escalation.pk}/")
    expect(page.get_by_text("The plan pays a ride service for Friday deliveries")).to_be_visible()
    checked(page)
    shot(page, "5-escalation-resolved")
    with scopes_disabled():
        done = Escalation.objects.get(pk=escalation.pk)
        assert done.resolved_at is not None and done.level == 3
        assert Referral.objects.get(pk=escalation.referral_id).state == "completed"
