"""A worker takes a member from assigned to completed in the browser, at phone width."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from carehub.referrals import contract_terms, services
from tests.e2e.conftest import make_tenant, sign_in
from tests.integration.referrals.conftest import acting_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TERMS = {"services": [{"code": "HDM", "rate": "7.50"}], "components": []}


def move(page, target: str) -> None:  # type: ignore[no-untyped-def]
    form = page.locator("form[action$='/transition/']")
    form.locator("select[name=target]").select_option(target)
    form.get_by_role("button", name="Move").click()


def test_worker_takes_a_member_from_assigned_to_completed(page, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(contract_terms, "terms", lambda code, on: TERMS)
    tenant = make_tenant("Flow")
    with scopes_disabled():
        services.create_referral(member=tenant.member, organisation=tenant.cbo, hub=tenant.hub,
                                 service_code="HDM", contract_code="T-MEALS",
                                 acting=acting_as(tenant.users["hub_coordinator"], tenant.hub),
                                 assignee=tenant.users["cbo_worker"])
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    sign_in(page, "Flow-worker")
    page.goto(f"{page.base_url}/referrals/")
    page.get_by_text("Make the first outreach attempt").wait_for()
    page.get_by_role("link", name="Flowmember, Ada").click()
    state = page.locator("#referral-state")
    attempt = page.locator("form[action$='/attempt/']")
    attempt.locator("select[name=channel]").select_option("phone")
    attempt.locator("select[name=outcome]").select_option("reached")
    attempt.get_by_role("button", name="Record attempt").click()
    expect(state).to_have_text("Outreach")
    move(page, "contacted")
    expect(state).to_have_text("Contacted")
    page.locator("input[name='item-88122-7'][value='LA28397-0']").check()
    page.get_by_role("button", name="Save screening").click()
    page.get_by_text("Need: food (Z59.41)").wait_for()
    for target, label in (("screened", "Screened"), ("accepted", "Accepted support"),
                          ("enrolled", "Enrolled")):
        move(page, target)
        expect(state).to_have_text(label)
    service = page.locator("form[action$='/service/']")
    service.locator("input[name=units]").fill("2")
    service.get_by_role("button", name="Log units").click()
    expect(state).to_have_text("In service")
    move(page, "completed")
    expect(state).to_have_text("Completed")
    assert state.text_content() == "Completed"
    # Only the browser's own favicon request may miss; every page resource must load.
    assert [u for u in missing if not u.endswith("/favicon.ico")] == []
