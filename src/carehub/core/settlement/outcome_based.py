"""Outcome-based payment (Pathways HUB): an amount per confirmed engagement and units ×
unit rate per pathway completed, optionally within a budget over the contract term."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from carehub.core.money import ZERO, fmt, fmt_cents, fmt_number, round_fraction_to_cents, to_cents
from carehub.core.settlement.context import Context
from carehub.core.settlement.lines import paid_cents, plural, unpaid
from carehub.core.settlement.statement import Line
from carehub.core.terms import OutcomeBased


@dataclass
class _Tally:
    count: int = 0
    units: Fraction = Fraction(0)
    cents: int = 0


def settle_outcome_based(component: OutcomeBased, ctx: Context) -> list[Line]:
    events = sorted(ctx.events("engaged") + ctx.events("pathway_completed"),
                    key=lambda event: (event.date, event.position))
    budget = to_cents(component.budget) if component.budget is not None else None
    spent = 0
    reached = False
    engagement = to_cents(component.engagement_amount)
    unit_rate = Fraction(component.unit_rate)
    paid: dict[str, _Tally] = {}
    refused: dict[str, _Tally] = {}
    unknown: dict[str, int] = {}
    for event in events:
        in_period = ctx.period.contains(event.date)
        if event.type == "engaged":
            key, units, cents = "", Fraction(1), engagement
        else:
            pathway = event.pathway or ""
            if pathway not in component.pathways:
                if in_period:
                    unknown[pathway] = unknown.get(pathway, 0) + 1
                continue
            key = pathway
            units = Fraction(component.pathways[pathway])
            cents = round_fraction_to_cents(units * unit_rate)
        paid_units, paid_amount = units, cents
        if budget is not None:
            if reached:
                paid_units, paid_amount = Fraction(0), 0
            elif cents > budget - spent:
                # Whole units that still fit; after this the budget counts as reached.
                reached = True
                fit = Fraction(0)
                if event.type == "pathway_completed" and unit_rate > 0:
                    fit = min(units, Fraction(math.floor(Fraction(budget - spent, 100)
                                                         / unit_rate)))
                paid_units, paid_amount = fit, round_fraction_to_cents(fit * unit_rate)
        spent += paid_amount
        if not in_period:
            continue
        tally = paid.setdefault(key, _Tally())
        tally.units += paid_units
        tally.cents += paid_amount
        tally.count += 1 if paid_units else 0
        if paid_units != units:
            lost = refused.setdefault(key, _Tally())
            lost.count += 1
            lost.units += units - paid_units
    lines: list[Line] = []
    for key, tally in paid.items():
        if not tally.count:
            continue
        if key == "":
            lines.append(paid_cents(component, "Engagements", tally.count,
                                    component.engagement_amount, tally.cents,
                                    f"{plural(tally.count, 'confirmed engagement')} × "
                                    f"{fmt(component.engagement_amount)} = "
                                    f"{fmt_cents(tally.cents)}"))
        else:
            per = component.pathways[key]
            lines.append(paid_cents(component, f"Pathway {key}", _units(tally.units),
                                    component.unit_rate, tally.cents,
                                    f"{plural(tally.count, 'completion')} of {key} "
                                    f"({fmt_number(per)} units each) = "
                                    f"{fmt_number(_units(tally.units))} units × "
                                    f"{fmt(component.unit_rate)} = {fmt_cents(tally.cents)}"))
    for key, lost in refused.items():
        what = "Engagements" if key == "" else f"Pathway {key}"
        lines.append(unpaid(component, f"{what} unpaid: budget reached", _units(lost.units),
                            component.engagement_amount if key == "" else component.unit_rate,
                            f"budget {fmt(component.budget or ZERO)} over the contract term "
                            f"reached (paid so far {fmt_cents(spent)}): "
                            f"{fmt_number(_units(lost.units))} units not paid"))
    for pathway, count in unknown.items():
        lines.append(unpaid(component, f"Pathway {pathway} unpaid: not in the terms", count,
                            ZERO, f"{plural(count, 'completion')} of {pathway!r}, which is not "
                                  f"a pathway of these terms "
                                  f"({', '.join(component.pathways) or 'none'})"))
    return lines


def _units(units: Fraction) -> Decimal | int:
    if units.denominator == 1:
        return units.numerator
    return Decimal(units.numerator) / Decimal(units.denominator)
