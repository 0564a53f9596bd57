"""The demo's scorecard: DEMO-MEALS carries the seeds' goals and last month's card has
figures, on the page the demo's hub administrator opens."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from carehub.contracts.models import Contract
from carehub.demo import seed as demo
from carehub.reporting.selectors import scorecard
from carehub.reporting.views.scorecard import default_period
from carehub.tenancy.access import Acting

pytestmark = pytest.mark.django_db


def test_the_demo_card_for_last_month_is_not_empty() -> None:
    demo.seed(log=lambda s: None)  # the size `carehub demo` makes
    with scopes_disabled():
        contract = Contract.objects.get(code="DEMO-MEALS")
    assert (contract.outreach_goal, contract.contact_goal, contract.support_goal) == (
        Decimal("80.00"), Decimal("55.00"), Decimal("50.00"))
    card = scorecard.card(Acting.system(contract.provider), contract, default_period())
    assert card.figure("assigned").numerator > 0
    assert card.figure("outreach_rate").status in ("met", "near", "missed")
    assert card.figure("support_rate").goal_text == "50%"
