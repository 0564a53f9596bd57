"""Prepayment: paid in the period holding `effective`, then recouped from later
statements at `recoup_rate` of their other lines until repaid."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from carehub.core.money import ZERO, cents_to_decimal, fmt, fmt_number, round_fraction_to_cents
from carehub.core.settlement.context import Context
from carehub.core.settlement.lines import paid, paid_cents
from carehub.core.settlement.statement import Line
from carehub.core.terms import Prepayment

RECOUPMENT = "Recoupment"


def settle_prepayment(component: Prepayment, ctx: Context, other_lines: Decimal) -> list[Line]:
    effective = ctx.terms.effective
    if ctx.period.contains(effective):
        return [paid(component, "Prepayment", 1, component.amount, component.amount,
                     f"paid in the period holding effective {effective}")]
    if component.recoup_rate == 0 or ctx.period.start < effective:
        return []
    recouped = min(ctx.activity.recouped.get(component.id, ZERO), component.amount)
    outstanding = component.amount - recouped
    if outstanding <= 0:
        return []
    share = round_fraction_to_cents(Fraction(component.recoup_rate) * Fraction(max(other_lines,
                                                                                   ZERO)))
    withheld = min(share, int(outstanding * 100))
    if withheld <= 0:
        return []
    return [paid_cents(
        component, RECOUPMENT, 1, cents_to_decimal(-withheld), -withheld,
        f"min({fmt_number(component.recoup_rate)} × other lines {fmt(other_lines)} = "
        f"{fmt(cents_to_decimal(share))}, outstanding {fmt(outstanding)} = prepayment "
        f"{fmt(component.amount)} − recouped so far {fmt(recouped)})")]
