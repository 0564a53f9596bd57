"""Settle one period: run each component of the terms over the activity and gather the
lines in the order the terms list the components."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from carehub.core.activity import Activity
from carehub.core.settlement.bundled import build_episodes, rows_in_episodes, settle_bundled
from carehub.core.settlement.capitation import settle_capitation
from carehub.core.settlement.context import Context, SettlementError
from carehub.core.settlement.corrections import adjustments
from carehub.core.settlement.fee_for_service import settle_fee_for_service
from carehub.core.settlement.fixed_price import settle_fixed_price
from carehub.core.settlement.flexible_funds import settle_flexible_funds
from carehub.core.settlement.hybrid import settle_hybrid
from carehub.core.settlement.outcome_based import settle_outcome_based
from carehub.core.settlement.performance import settle_performance
from carehub.core.settlement.prepayment import settle_prepayment
from carehub.core.settlement.shared_savings import settle_shared_losses, settle_shared_savings
from carehub.core.settlement.statement import Line, Statement
from carehub.core.terms import Bundled, Prepayment, Terms

_SETTLERS: dict[str, Callable[[Any, Context], list[Line]]] = {
    "fixed_price": settle_fixed_price,
    "fee_for_service": settle_fee_for_service,
    "capitation": settle_capitation,
    "hybrid": settle_hybrid,
    "performance": settle_performance,
    "shared_savings": settle_shared_savings,
    "shared_losses": settle_shared_losses,
    "outcome_based": settle_outcome_based,
    "flexible_funds": settle_flexible_funds,
}


def settle(terms: Terms, activity: Activity,
           previous: Statement | Sequence[Statement] | None = None) -> Statement:
    """The statement for the activity's period; with `previous` (statements already
    issued for that period), only the adjustment lines."""
    period = activity.period
    if period.start < terms.effective or period.end > terms.ends:
        raise SettlementError([("period", f"{period} is outside the contract's term "
                                          f"{terms.effective}..{terms.ends}")])
    ctx = Context(terms, activity)
    by_component: dict[str, list[Line]] = {}
    # Bundles first: the service lines they claim are paid by no fee-for-service component.
    for component in terms.components:
        if isinstance(component, Bundled):
            episodes, refused = build_episodes(component, ctx)
            rows = rows_in_episodes(component, episodes, ctx)
            ctx.bundled_rows[component.id] = rows
            by_component[component.id] = settle_bundled(component, ctx, episodes, refused, rows)
    for component in terms.components:
        if component.type in _SETTLERS:
            by_component[component.id] = _SETTLERS[component.type](component, ctx)
    # Recoupment is a share of everything else on the statement, so it comes last.
    others = sum((line.amount for lines in by_component.values() for line in lines),
                 Decimal("0.00"))
    for component in terms.components:
        if isinstance(component, Prepayment):
            by_component[component.id] = settle_prepayment(component, ctx, others)
    lines = tuple(line for component in terms.components
                  for line in by_component.get(component.id, []))
    statement = Statement(terms.contract, period, lines)
    if previous is None:
        return statement
    issued = [previous] if isinstance(previous, Statement) else list(previous)
    return adjustments(statement, issued, terms)
