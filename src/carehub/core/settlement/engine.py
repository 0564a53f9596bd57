"""Settle one period: run each component of the terms over the activity and gather the
lines in the order the terms list the components."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from carehub.core.activity import Activity
from carehub.core.money import ZERO
from carehub.core.periods import Span, months_touching
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
from carehub.core.settlement.prepayment import RECOUPMENT, settle_prepayment
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
    statement = _settle_period(terms, with_history(terms, activity))
    if previous is None:
        return statement
    issued = [previous] if isinstance(previous, Statement) else list(previous)
    return adjustments(statement, issued, terms)


def _settle_period(terms: Terms, activity: Activity) -> Statement:
    period = activity.period
    ctx = Context(terms, activity)
    by_component = claim_bundled(ctx)
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
    return Statement(terms.contract, period, lines)


def claim_bundled(ctx: Context) -> dict[str, list[Line]]:
    """Bundles first: the service lines they claim are paid by no fee-for-service
    component. Their lines, by component."""
    by_component: dict[str, list[Line]] = {}
    for component in ctx.terms.components:
        if isinstance(component, Bundled):
            episodes, refused = build_episodes(component, ctx)
            rows = rows_in_episodes(component, episodes, ctx)
            ctx.bundled_rows[component.id] = rows
            by_component[component.id] = settle_bundled(component, ctx, episodes, refused, rows)
    return by_component


def with_history(terms: Terms, activity: Activity) -> Activity:
    """The activity with each prepayment's recoupments so far, when it carries services of
    earlier months of the term: each earlier month is settled in turn (its recoupment
    depending on what the months before it recouped), as penalties and funds count their
    history from the events and spending before the period. An explicit `recouped` in the
    activity is kept as given."""
    prepayments = [component.id for component in terms.components
                   if isinstance(component, Prepayment) and component.recoup_rate > 0
                   and component.id not in activity.recouped]
    start = activity.period.start
    services = activity.services
    if (not prepayments or start <= terms.effective or not len(services)
            or int(services.day.min()) >= start.toordinal()):
        return activity
    recouped = dict.fromkeys(prepayments, ZERO)
    for month in months_touching(Span(terms.effective, start - timedelta(days=1))):
        part = month.overlap(Span(terms.effective, start - timedelta(days=1)))
        assert part is not None
        earlier = replace(activity, period=part, recouped={**activity.recouped, **recouped})
        for line in _settle_period(terms, earlier).lines:
            if line.component in recouped and line.label == RECOUPMENT:
                recouped[line.component] -= line.amount
    return replace(activity, recouped={**activity.recouped, **recouped})
