"""Hybrid FFS/capitation: each month the floor is paid up front and fee for service above
it is paid as a supplemental balance, so the month's total is max(floor, FFS).

`reconcile: member` applies the floor to each member attributed in the month instead of
to the pool, as some post-discharge meal contracts do.
"""

from __future__ import annotations

import numpy as np

from carehub.core.money import ZERO, cents_to_decimal, fmt, fmt_cents, to_cents
from carehub.core.settlement.context import Context
from carehub.core.settlement.fee_for_service import (
    count_units,
    ffs_sum,
    rate_cents,
    refused_lines,
    units_by_code,
)
from carehub.core.settlement.lines import paid_cents, plural, unpaid
from carehub.core.settlement.statement import Line
from carehub.core.terms import Hybrid


def settle_hybrid(component: Hybrid, ctx: Context) -> list[Line]:
    counted = count_units(ctx, component, by_month=True)
    lines: list[Line] = []
    for index, month in enumerate(ctx.months):
        in_month = counted.group == index
        if component.reconcile == "member":
            lines += _member_month(component, ctx, counted.rows[in_month],
                                   counted.paid[in_month], index)
        else:
            lines += _pooled_month(component, ctx, units_by_code(ctx, counted, counted.paid,
                                                                 in_month), index)
        lines += refused_lines(ctx, component, counted, ctx.month_name(month), in_month,
                               "" if len(ctx.months) == 1 else f" {ctx.month_name(month)}")
    return lines


def _pooled_month(component: Hybrid, ctx: Context, paid_units: dict[str, int],
                  index: int) -> list[Line]:
    month = ctx.months[index]
    name = ctx.month_name(month)
    floor = to_cents(component.floor)
    ffs, arithmetic = ffs_sum(ctx, component, paid_units)
    lines = [paid_cents(component, ctx.label("Capitation floor", month), 1, component.floor,
                        floor, f"floor paid up front for {name}")]
    label = ctx.label("Supplemental FFS balance", month)
    if ffs > floor:
        balance = ffs - floor
        lines.append(paid_cents(component, label, 1, cents_to_decimal(balance), balance,
                                f"FFS {arithmetic} = {fmt_cents(ffs)} − floor "
                                f"{fmt(component.floor)}"))
    else:
        lines.append(unpaid(component, label, 1, ZERO,
                            f"FFS {arithmetic} = {fmt_cents(ffs)}, not above floor "
                            f"{fmt(component.floor)}: nothing more for {name}"))
    return lines


def _member_month(component: Hybrid, ctx: Context, rows: np.ndarray, paid: np.ndarray,
                  index: int) -> list[Line]:
    month = ctx.months[index]
    name = ctx.month_name(month)
    services = ctx.activity.services
    attributed = ctx.attributed_days(month)
    floor = to_cents(component.floor)
    rates = rate_cents(ctx.terms, services.codes)
    cents = paid * rates[services.service[rows]]
    by_member = np.bincount(services.member[rows], weights=cents,
                            minlength=len(services.member_ids))
    units = np.bincount(services.member[rows], weights=paid, minlength=len(services.member_ids))
    lines = [paid_cents(component, ctx.label("Capitation floor", month), len(attributed),
                        component.floor, floor * len(attributed),
                        f"floor {fmt(component.floor)} paid up front for each of "
                        f"{plural(len(attributed), 'member')} attributed in {name}")]
    over_count = over_ffs = 0
    outside_units = outside_cents = 0
    for member_index, member in enumerate(services.member_ids):
        member_cents = int(by_member[member_index])
        if not member_cents:
            continue
        if member not in attributed:
            outside_units += int(units[member_index])
            outside_cents += member_cents
        elif member_cents > floor:
            over_count += 1
            over_ffs += member_cents
    balance = over_ffs - over_count * floor
    label = ctx.label("Supplemental FFS balance", month)
    if balance > 0:
        lines.append(paid_cents(
            component, label, over_count, cents_to_decimal(balance), balance,
            f"FFS above the floor for {over_count} of {len(attributed)} members: their FFS "
            f"{fmt_cents(over_ffs)} − {over_count} × floor {fmt(component.floor)}"
            f" = {fmt_cents(balance)}"))
    else:
        lines.append(unpaid(component, label, 0, ZERO,
                            f"no member's FFS in {name} is above the floor "
                            f"{fmt(component.floor)}: nothing more"))
    if outside_units:
        lines.append(unpaid(component, ctx.label("Unpaid: members not attributed", month),
                            outside_units, ZERO,
                            f"{outside_units} units worth {fmt_cents(outside_cents)} delivered "
                            f"in {name} to members not attributed that month: not paid"))
    return lines
