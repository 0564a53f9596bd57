"""The seeds' sample card, built from referral records: 2,069 assigned in one month,
1,642 outreached, 866 contacted, 420 accepted support, against goals of 80, 55 and 50
percent with the default 2-point margin."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from carehub.core.scorecard.periods import parse_period
from carehub.reporting.selectors import scorecard
from tests.integration.conftest import accepted_contract, acting_as
from tests.integration.reporting.scorecard_world import (
    SAMPLE_DAY,
    make_members,
    make_referrals,
    seeds_sample_plan,
)

pytestmark = pytest.mark.django_db


def test_the_seeds_sample_card_from_referral_records(tenant) -> None:  # type: ignore[no-untyped-def]
    contract = accepted_contract(tenant.payer, tenant.hub, delivering=[tenant.cbo],
                                 outreach_goal=Decimal("80"), contact_goal=Decimal("55"),
                                 support_goal=Decimal("50"))
    plan = seeds_sample_plan()
    members = make_members(tenant.payer, len(plan) + 40, "S")
    make_referrals(contract, tenant.cbo, members[:len(plan)], plan, SAMPLE_DAY)
    # Referrals made the month before and after are other cohorts: not in March's card.
    make_referrals(contract, tenant.cbo, members[len(plan):len(plan) + 20],
                   [("enrolled", None, True)] * 20, date(2026, 2, 28))
    make_referrals(contract, tenant.cbo, members[len(plan) + 20:],
                   [("enrolled", None, True)] * 20, date(2026, 4, 1))

    card = scorecard.card(acting_as(tenant.users["hub_admin"]), contract,
                          parse_period("2026-03"))

    rows = {key: (f.numerator, f.denominator, f.rate_text, f.goal_text, f.status)
            for key in ("outreach_rate", "contact_rate", "support_rate")
            for f in [card.figure(key)]}
    assert card.figure("assigned").numerator == 2069
    assert rows == {
        "outreach_rate": (1642, 2069, "79%", "80%", "near"),
        "contact_rate": (866, 1642, "53%", "55%", "missed"),
        "support_rate": (420, 866, "48%", "50%", "near"),
    }
    assert card.figure("outreach_rate").status_word == "Near"
    assert card.figure("contact_rate").status_word == "Missed"
