"""Shared savings and shared losses against a total-cost-of-care benchmark."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from carehub.core.money import (
    ZERO,
    cents_to_decimal,
    fmt,
    fmt_number,
    round_fraction_to_cents,
    round_to,
)
from carehub.core.settlement.context import Context, SettlementError
from carehub.core.settlement.lines import paid, paid_cents, unpaid
from carehub.core.settlement.statement import Line
from carehub.core.terms import FixedPrice, Prepayment, SharedLosses, SharedSavings


def _actual_and_benchmark(component: SharedSavings | SharedLosses, ctx: Context,
                          label: str) -> tuple[Decimal, Decimal] | Line:
    """The period's actual cost of care and the benchmark (the terms' own, else the
    activity's), or the unpaid line that says which one is missing."""
    cost = ctx.activity.cost_of_care
    if cost is None or cost.actual is None:
        return unpaid(component, label, 1, ZERO,
                      f"actual cost of care not reported for {ctx.period}: nothing to settle")
    benchmark = component.benchmark if component.benchmark is not None else cost.benchmark
    if benchmark is None:
        return unpaid(component, label, 1, ZERO,
                      "no benchmark in the terms or the activity's cost_of_care")
    return cost.actual, benchmark


def payments_under(component_id: str, ctx: Context) -> Decimal:
    """What was paid under another component: the activity's `paid` when given, else what
    the terms fix over the contract term."""
    if component_id in ctx.activity.paid:
        return ctx.activity.paid[component_id]
    other = ctx.component(component_id)
    if isinstance(other, FixedPrice | Prepayment):
        return other.amount
    raise SettlementError([(f"paid.{component_id}",
                            f"required: payments under {other.type} component "
                            f'"{component_id}" cannot be computed from the terms alone '
                            '(a money string such as "300000.00")')])


def settle_shared_savings(component: SharedSavings, ctx: Context) -> list[Line]:
    label = "Shared savings"
    figures = _actual_and_benchmark(component, ctx, label)
    if isinstance(figures, Line):
        return [figures]
    actual, benchmark = figures
    netted = [(other, payments_under(other, ctx)) for other in component.net_of]
    savings = benchmark - actual - sum((amount for _, amount in netted), ZERO)
    arithmetic = f"benchmark {fmt(benchmark)} − actual {fmt(actual)}" + "".join(
        f" − paid under {other} {fmt(amount)}" for other, amount in netted)
    arithmetic += f" = savings {fmt(savings)}"
    if savings <= 0:
        return [unpaid(component, label, 1, ZERO, f"{arithmetic}: no savings to share")]
    if component.minimum_savings_rate is not None:
        needed = component.minimum_savings_rate * benchmark
        if savings < needed:
            return [unpaid(component, label, 1, ZERO,
                           f"{arithmetic}, below the minimum savings rate "
                           f"{fmt_number(component.minimum_savings_rate)} × benchmark = "
                           f"{fmt(needed)}: no bonus")]
    quality = ctx.activity.quality
    total = len(component.quality_metrics)
    met = sum(1 for goal in component.quality_metrics
              if goal.metric in quality and goal.met_by(quality[goal.metric]))
    low, high = Fraction(component.min_rate), Fraction(component.max_rate)
    rate = high if total == 0 else low + (high - low) * Fraction(met, total)
    rate_text = (f"rate {component.max_rate} (no quality metrics)" if total == 0
                 else f"rate {component.min_rate} + ({component.max_rate}"
                      f" − {component.min_rate}) × {met}/{total} metrics met = "
                      f"{_percent(rate)}")
    shared = Fraction(savings)
    cap_text = ""
    if component.cap is not None and component.cap_first and savings > component.cap:
        shared = Fraction(component.cap)
        cap_text = f"; savings capped first at {fmt(component.cap)}"
    cents = round_fraction_to_cents(rate * shared)
    basis = (f"{arithmetic}{cap_text}; {rate_text}; {fmt(cents_to_decimal(round_fraction_to_cents(shared)))}"
             f" × {_percent(rate)} = {fmt(cents_to_decimal(cents))}")
    if component.cap is not None and not component.cap_first and cents > int(component.cap * 100):
        basis += f", capped at {fmt(component.cap)}"
        return [paid(component, label, 1, component.cap, component.cap, basis)]
    return [paid_cents(component, label, 1, cents_to_decimal(cents), cents, basis)]


def settle_shared_losses(component: SharedLosses, ctx: Context) -> list[Line]:
    label = "Shared losses"
    figures = _actual_and_benchmark(component, ctx, label)
    if isinstance(figures, Line):
        return [figures]
    actual, benchmark = figures
    loss = actual - benchmark
    threshold = (component.threshold_rate or ZERO) * benchmark
    arithmetic = f"actual {fmt(actual)} − benchmark {fmt(benchmark)} = {fmt(loss)}"
    if loss <= threshold:
        return [unpaid(component, label, 1, ZERO,
                       f"{arithmetic}, not above threshold {fmt(threshold)}: no shared loss")]
    cents = round_fraction_to_cents(Fraction(component.rate) * Fraction(loss))
    basis = (f"{arithmetic} > threshold {fmt(threshold)}; "
             f"{fmt_number(component.rate)} × {fmt(loss)} = {fmt(cents_to_decimal(cents))}")
    if component.cap is not None and cents > int(component.cap * 100):
        cents = int(component.cap * 100)
        basis += f", limited to cap {fmt(component.cap)}"
    return [paid_cents(component, label, 1, cents_to_decimal(-cents), -cents, basis)]


def _percent(rate: Fraction) -> str:
    """A rate as a percentage to four places, for reading only: amounts use the exact rate."""
    return f"{fmt_number(round_to(rate * 100, Decimal('0.0001')))}%"
