"""Flexible member funds: reimburse member spending in allowed categories up to each
member's remaining allocation (per contract year or per term); the rest is unpaid."""

from __future__ import annotations

from carehub.core.money import cents_to_decimal, fmt, fmt_cents, to_cents
from carehub.core.periods import contract_year_of
from carehub.core.settlement.context import Context
from carehub.core.settlement.lines import paid_cents, plural, unpaid
from carehub.core.settlement.statement import Line
from carehub.core.terms import FlexibleFunds


def settle_flexible_funds(component: FlexibleFunds, ctx: Context) -> list[Line]:
    effective = ctx.terms.effective
    allocation = to_cents(component.per_member)
    used: dict[tuple[str, int], int] = {}
    paid: dict[str, list[int]] = {}  # category -> [purchases, cents, members]
    members: dict[str, set[str]] = {}
    refused: dict[tuple[str, str], list[int]] = {}
    chosen = sorted((item for item in ctx.activity.spending
                     if effective <= item.date <= ctx.period.end),
                    key=lambda item: (item.date, item.position))
    for item in chosen:
        in_period = ctx.period.contains(item.date)
        cents = to_cents(item.amount)
        if item.category not in component.categories:
            if in_period:
                entry = refused.setdefault((item.category, "category not allowed"), [0, 0])
                entry[0] += 1
                entry[1] += cents
            continue
        year = contract_year_of(effective, item.date) if component.per == "year" else 0
        key = (item.member, year)
        left = allocation - used.get(key, 0)
        covered = max(0, min(cents, left))
        used[key] = used.get(key, 0) + covered
        if not in_period:
            continue
        if covered:
            entry = paid.setdefault(item.category, [0, 0])
            entry[0] += 1
            entry[1] += covered
            members.setdefault(item.category, set()).add(item.member)
        if covered < cents:
            entry = refused.setdefault((item.category, "over allocation"), [0, 0])
            entry[0] += 1
            entry[1] += cents - covered
    scope = "contract year" if component.per == "year" else "contract term"
    lines: list[Line] = []
    for category in sorted(paid):
        count, cents = paid[category]
        lines.append(paid_cents(
            component, f"Flexible funds: {category}", 1, cents_to_decimal(cents), cents,
            f"{plural(count, 'purchase')} by {plural(len(members[category]), 'member')} "
            f"= {fmt_cents(cents)}, each within its member's {fmt(component.per_member)} "
            f"per {scope}"))
    for (category, reason), (count, cents) in sorted(refused.items()):
        detail = (f"{category!r} is not an allowed category "
                  f"({', '.join(component.categories)})" if reason == "category not allowed"
                  else f"beyond the members' {fmt(component.per_member)} per {scope}")
        lines.append(unpaid(component, f"Flexible funds unpaid: {category}, {reason}", 1,
                            cents_to_decimal(cents), f"{plural(count, 'purchase')}, {fmt_cents(cents)} not "
                                  f"reimbursed: {detail}"))
    return lines
