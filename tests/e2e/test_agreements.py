"""A plan's program manager countersigns a hub's proposal on a phone-sized screen; a CBO
supervisor accepts a hub's invitation."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from carehub.contracts import selectors
from carehub.contracts.models import Contract
from carehub.contracts.services import create_contract
from carehub.tenancy.access import network_cbos
from carehub.tenancy.models import Network, NetworkMember
from tests.e2e.conftest import (
    check_accessibility,
    fits_the_screen,
    make_tenant,
    shot,
    sign_in_verified,
    visit,
)
from tests.integration.conftest import acting_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_plan_accepts_a_hubs_proposal(page):  # type: ignore[no-untyped-def]
    alpha, omega = make_tenant("Alpha"), make_tenant("Omega")
    with scopes_disabled():
        contract = Contract(code="ALPHA-OMEGA", name="Post-discharge meals",
                            payer=omega.payer, provider=alpha.hub)
        create_contract(contract, acting=acting_as(alpha.users["hub_admin"]))
    page.set_default_timeout(60_000)  # a shared machine can be slow to serve
    sign_in_verified(page, omega.users["payer_manager"])
    visit(page, "/contracts/")
    row = page.get_by_role("row", name="ALPHA-OMEGA")
    assert "Proposed by Alpha Hub" in row.inner_text()
    shot(page, "contract-list-proposal")
    row.get_by_role("link", name="Accept / Decline").click()
    page.get_by_text("Nothing flows under it").wait_for()
    check_accessibility(page)
    shot(page, "contract-detail-proposal")
    assert fits_the_screen(page)
    page.get_by_role("button", name="Accept and countersign").click()
    page.get_by_text("It is now in effect").wait_for()
    assert selectors.is_in_effect(contract)
    assert page.get_by_role("button", name="Allow hub uploads").is_visible()
    shot(page, "contract-detail-accepted", full=False)


def test_cbo_supervisor_accepts_a_network_invitation(page):  # type: ignore[no-untyped-def]
    alpha, omega = make_tenant("Alpha"), make_tenant("Omega")
    with scopes_disabled():
        NetworkMember.objects.create(network=Network.objects.get(hub=alpha.hub), cbo=omega.cbo,
                                     invited_by=alpha.users["hub_admin"])
    assert omega.cbo not in network_cbos(alpha.hub)
    page.set_default_timeout(60_000)
    sign_in_verified(page, omega.users["cbo_supervisor"])
    check_accessibility(page)
    page.get_by_role("link", name="Hub networks").click()
    page.get_by_text("invites Omega Pantry").wait_for()
    check_accessibility(page)
    shot(page, "cbo-invitation")
    page.get_by_role("button", name="Accept").click()
    page.get_by_text("You joined Alpha Hub's network.").wait_for()
    assert omega.cbo in network_cbos(alpha.hub)
