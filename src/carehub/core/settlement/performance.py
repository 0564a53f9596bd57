"""Pay for performance: bonuses for metrics that meet their targets, and penalties that
escalate with each occurrence since the contract's start."""

from __future__ import annotations

from fractions import Fraction

from carehub.core.money import cents_to_decimal, fmt, fmt_number, round_fraction_to_cents
from carehub.core.settlement.context import Context
from carehub.core.settlement.lines import paid, paid_cents, unpaid
from carehub.core.settlement.statement import Line
from carehub.core.terms import Penalties, Performance


def penalty_cents(penalties: Penalties, occurrence: int) -> int:
    """Cost of the n-th occurrence in cents, rounded half-up once."""
    step = Fraction(penalties.step_percent) / 100
    first = Fraction(penalties.first)
    if penalties.step_mode == "linear":
        amount = first * (1 + step * (occurrence - 1))
    else:
        amount = first * (1 + step) ** (occurrence - 1)
    return round_fraction_to_cents(amount)


def _penalty_formula(penalties: Penalties, occurrence: int) -> str:
    step = fmt_number(penalties.step_percent)
    if penalties.step_mode == "linear":
        return f"{fmt(penalties.first)} × (1 + {step}% × {occurrence - 1})"
    return f"{fmt(penalties.first)} × (1 + {step}%)^{occurrence - 1}"


def settle_performance(component: Performance, ctx: Context) -> list[Line]:
    lines: list[Line] = []
    quality = ctx.activity.quality
    for bonus in component.bonuses:
        goal = bonus.goal
        label = f"Bonus {goal.metric}"
        value = quality.get(goal.metric)
        if value is None:
            lines.append(unpaid(component, label, 1, bonus.amount,
                                f"{goal.metric} not reported for {ctx.period}: no bonus"))
        elif goal.met_by(value):
            lines.append(paid(component, label, 1, bonus.amount, bonus.amount,
                              f"{goal.metric} {fmt_number(value)} meets target "
                              f"{goal.describe()}"))
        else:
            lines.append(unpaid(component, label, 1, bonus.amount,
                                f"{goal.metric} {fmt_number(value)} misses target "
                                f"{goal.describe()}: no bonus"))
    penalties = component.penalties
    if penalties is not None:
        for number, event in enumerate(ctx.events("penalty"), start=1):
            if not ctx.period.contains(event.date):
                continue
            cents = penalty_cents(penalties, number)
            lines.append(paid_cents(
                component, f"Penalty {number}: {event.element}", 1, cents_to_decimal(-cents),
                -cents,
                f"occurrence {number} since {ctx.terms.effective} ({event.element}, "
                f"{event.date}), {penalties.step_mode}: {_penalty_formula(penalties, number)}"
                f" = {fmt(cents_to_decimal(cents))}"))
    return lines

