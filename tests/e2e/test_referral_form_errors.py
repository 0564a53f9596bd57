"""Every form of the referral page, given a wrong input, says why beside the form and
keeps what was typed (issue 11: the 400 answers used to be swallowed by htmx)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from carehub.referrals.models import ContactPreference
from carehub.tenancy.models import Membership
from tests.e2e.conftest import sign_in_verified, visit
from tests.integration.conftest import Tenant, make_user
from tests.integration.referrals.conftest import contract_with_terms, refer, walk_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TOMORROW = (timezone.localdate() + timedelta(days=1)).isoformat()


@dataclass
class Case:
    action: str  # the form's action ends with /<action>/
    state: str  # the referral is walked here first
    fields: dict[str, str]  # name -> value; a select is chosen, anything else filled
    button: str
    message: str
    as_role: str = "cbo_worker"
    kept: tuple[str, ...] = ()  # the fields whose value must still be there
    before: Callable[[Tenant, Any], Any] | None = None  # set-up after the page has loaded
    setup: Callable[[Tenant, Any], Any] | None = None  # set-up before the page loads


def do_not_contact(t: Tenant, referral: Any) -> None:
    with scopes_disabled():
        ContactPreference.objects.create(member=t.member, do_not_contact=True)


def a_worker_who_leaves(t: Tenant, referral: Any) -> None:
    with scopes_disabled():
        make_user("Alpha-leaver", t.cbo, "cbo_worker")


def leaver_leaves(t: Tenant, referral: Any) -> None:
    with scopes_disabled():
        Membership.objects.filter(user__username="Alpha-leaver").update(is_active=False)


CASES = {
    "attempt, member asked not to be contacted": Case(
        "attempt", "assigned", {"channel": "phone", "outcome": "no_answer", "note": "voicemail"},
        "Record attempt", "The member asked not to be contacted: the attempt was not recorded.",
        kept=("channel", "outcome", "note"), before=do_not_contact),
    "move to closed without a reason": Case(
        "transition", "outreach", {"target": "closed", "note": "moved away"}, "Move",
        "Closing needs a reason, one of", kept=("target", "note")),
    "unreachable with too few attempts": Case(
        "transition", "outreach", {"target": "closed", "close_reason": "unreachable"}, "Move",
        "Unreachable needs 3 outreach attempts under the contract; 1 recorded",
        kept=("target", "close_reason")),
    "screening with no answer": Case(
        "screening", "contacted", {}, "Save screening", "Answer at least one question."),
    "service with an unknown code": Case(
        "service", "enrolled", {"service_code": "HDMX", "units": "3"}, "Log units",
        "HDMX is not a service of contract T-MEALS", kept=("service_code", "units")),
    "service dated tomorrow": Case(
        "service", "enrolled", {"date": TOMORROW, "units": "3"}, "Log units",
        "A service cannot be logged for a future date.", kept=("date", "units")),
    "flexible funds spend that is not an amount": Case(
        "funds", "enrolled", {"category": "groceries", "amount": "twelve", "receipt": "R-17"},
        "Record spending", "'twelve' is not an amount like 25.00.",
        kept=("category", "amount", "receipt")),
    "pathway without steps": Case(
        "pathway", "enrolled", {"pathway": "housing", "steps": "  "}, "Start pathway",
        "Steps: This field is required.", kept=("pathway",)),
    "visit dated tomorrow": Case(
        "visit", "enrolled", {"date": TOMORROW, "note": "door was shut"}, "Record visit",
        "Date: A visit cannot be recorded for a future date.", kept=("date", "note")),
    "empty case note": Case(
        "note", "outreach", {"text": "   "}, "Add note", "Case note: This field is required."),
    "escalation without a description": Case(
        "escalate", "outreach", {"barrier": "transportation", "description": " "},
        "Raise escalation", "Description: This field is required.", kept=("barrier",)),
    "assign to a worker who has left": Case(
        "assign", "assigned", {}, "Assign", "does not work for Alpha Pantry.",
        as_role="cbo_supervisor", kept=("worker",), setup=a_worker_who_leaves,
        before=leaver_leaves),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_a_refused_form_says_why_beside_the_form_and_keeps_the_input(
        page, tenant, case: Case) -> None:  # type: ignore[no-untyped-def]
    contract_with_terms(tenant)
    referral = refer(tenant)
    if case.state != "assigned":
        referral = walk_to(referral, tenant, case.state)
    if case.setup:
        case.setup(tenant, referral)
    page.checks.expect_status(400)
    sign_in_verified(page, tenant.users[case.as_role])
    visit(page, f"/referrals/{referral.pk}/")
    state = page.locator("#referral-state").inner_text()
    if case.before:
        case.before(tenant, referral)

    form = page.locator(f"form[action$='/{case.action}/']")
    values = dict(case.fields)
    if case.action == "assign":
        values["worker"] = page.locator("#id_worker option", has_text="Alpha-Leaver").get_attribute(
            "value") or ""
    for name, value in values.items():
        control = form.locator(f"[name={name}]")
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    form.get_by_role("button", name=case.button).click()

    region = form.locator("[data-form-errors]")
    expect(region).to_contain_text(case.message)
    assert region.get_attribute("role") == "alert"
    for name in case.kept:
        assert form.locator(f"[name={name}]").input_value() == values[name], name
    # Nothing moved: the page still shows the referral as it was.
    assert page.locator("#referral-state").inner_text() == state
