"""Capitation: PMPM × member-months of attributed members, month by month."""

from __future__ import annotations

from fractions import Fraction

from carehub.core.money import fmt, fmt_cents, fmt_number, round_fraction_to_cents, to_cents
from carehub.core.periods import days_in_month
from carehub.core.settlement.context import Context
from carehub.core.settlement.lines import paid_cents, plural
from carehub.core.settlement.statement import Line
from carehub.core.terms import Capitation


def settle_capitation(component: Capitation, ctx: Context) -> list[Line]:
    lines: list[Line] = []
    pmpm = to_cents(component.pmpm)
    for month in ctx.months:
        name = ctx.month_name(month)
        label = ctx.label("Capitation", month)
        if component.member_month_rule == "first_of_month":
            first = month.start
            if first.day != 1:
                continue  # the period starts mid-month: that month was paid with the previous
            day = first.toordinal()
            count = sum(1 for spans in ctx.merged_attribution.values()
                        if any(start <= day <= end for start, end in spans))
            lines.append(paid_cents(
                component, label, count, component.pmpm, count * pmpm,
                f"{plural(count, 'member')} attributed on {first} × PMPM {fmt(component.pmpm)}"
                f" = {fmt(count * component.pmpm)}"))
        else:
            month_days = days_in_month(month.start.year, month.start.month)
            member_days = sum(ctx.attributed_days(month).values())
            member_months = Fraction(member_days, month_days)
            cents = round_fraction_to_cents(member_months * pmpm / 100)
            lines.append(paid_cents(
                component, label, fmt_number(member_months), component.pmpm, cents,
                f"{member_days} member-days ÷ {month_days} days in {name} = "
                f"{fmt_number(member_months)} member-months × PMPM {fmt(component.pmpm)}"
                f" = {fmt_cents(cents)} (rounded half-up to cents)"))
    return lines
