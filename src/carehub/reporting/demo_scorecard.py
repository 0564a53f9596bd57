"""Demo data of the scorecard area: DEMO-MEALS gets the seeds' goals (outreach 80%,
contact 55%, support provided 50%) and sensible others, and its scorecard facts are
counted so the card for last month is there on the first visit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django_scopes import scopes_disabled

from carehub.contracts.models import Contract
from carehub.reporting.services.scorecard import refresh_facts
from carehub.tenancy.access import Acting

CONTRACT = "DEMO-MEALS"
GOALS = {"outreach_goal": Decimal("80"), "contact_goal": Decimal("55"),
         "support_goal": Decimal("50"), "initiation_goal": Decimal("75"),
         "documentation_goal": Decimal("60"), "data_on_time_goal": Decimal("90"),
         "completion_goal": Decimal("60")}


def seed(ctx: Any) -> None:
    with scopes_disabled():
        contract = Contract.objects.filter(code=CONTRACT).first()
        if contract is None:
            ctx.log("scorecard: no DEMO-MEALS contract; nothing to do")
            return
        changes: dict[str, Any] = dict(GOALS)
        if contract.min_volume is None and contract.max_volume is None:
            changes.update(min_volume=8, max_volume=20, volume_period="month")
        Contract.objects.filter(pk=contract.pk).update(**changes)
    done = refresh_facts(acting=Acting.system(ctx.hub), full=True)
    ctx.log(f"scorecard: goals on {CONTRACT}; figures counted for {done.referrals} referrals")
