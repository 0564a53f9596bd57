"""Fee for service: units × rate, with caps per member per day and per period.

The arithmetic runs on columns of integers (units, cents) so a million service lines
settle in well under a second; each line's amount is units × rate in whole cents, which
is exactly the Decimal result since rates have at most two decimals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from carehub.core.money import cents_to_decimal, fmt, fmt_cents, to_cents
from carehub.core.settlement.context import Context
from carehub.core.settlement.lines import paid_cents, plural, unpaid
from carehub.core.settlement.statement import Line
from carehub.core.terms import FeeForService, Hybrid, Terms


@dataclass(frozen=True)
class Units:
    """Service lines one component pays, and how many units of each it pays or refuses."""

    rows: np.ndarray  # indices into the activity's service lines
    paid: np.ndarray
    over_daily: np.ndarray  # refused by max_units_per_member_per_day
    over_period: np.ndarray  # refused by max_units
    group: np.ndarray  # month index within the period (hybrid) or 0


def _capped(units: np.ndarray, order: np.ndarray, new_group: np.ndarray, cap: int) -> np.ndarray:
    """Units allowed under `cap` per group, taking lines in `order` (first come, first paid)."""
    ordered = units[order]
    cumulative = np.cumsum(ordered)
    before = cumulative - ordered
    group_id = np.cumsum(new_group) - 1
    before -= before[np.flatnonzero(new_group)][group_id]
    allowed_sorted = np.clip(cap - before, 0, ordered)
    allowed = np.empty_like(units)
    allowed[order] = allowed_sorted
    return allowed


def _starts(*keys: np.ndarray) -> np.ndarray:
    size = keys[0].shape[0]
    flags = np.zeros(size, dtype=bool)
    if size:
        flags[0] = True
        for key in keys:
            flags[1:] |= key[1:] != key[:-1]
    return flags


def count_units(ctx: Context, component: FeeForService | Hybrid, *, by_month: bool) -> Units:
    lines = ctx.activity.services
    rows = np.nonzero(ctx.code_mask(component.services) & ctx.not_bundled)[0]
    units = lines.units[rows]
    days = lines.day[rows]
    if by_month:
        starts = np.array([month.start.toordinal() for month in ctx.months], dtype=np.int64)
        group = np.searchsorted(starts, days, side="right") - 1
    else:
        group = np.zeros(rows.shape[0], dtype=np.int64)
    paid = units.copy()
    over_daily = np.zeros_like(units)
    over_period = np.zeros_like(units)
    if component.max_units_per_member_per_day is not None and rows.size:
        members = lines.member[rows]
        order = np.lexsort((days, members))  # stable: same-day lines keep file order
        paid = _capped(units, order, _starts(members[order], days[order]),
                       component.max_units_per_member_per_day)
        over_daily = units - paid
    if component.max_units is not None and rows.size:
        order = np.lexsort((days, group))
        allowed = _capped(paid, order, _starts(group[order]), component.max_units)
        over_period = paid - allowed
        paid = allowed
    return Units(rows, paid, over_daily, over_period, group)


def rate_cents(terms: Terms, codes: tuple[str, ...]) -> np.ndarray:
    """Rate in cents of each activity service code (0 for codes outside the catalogue)."""
    known = {service.code: to_cents(service.rate) for service in terms.services}
    return np.array([known.get(code, 0) for code in codes], dtype=np.int64)


def units_by_code(ctx: Context, counted: Units, values: np.ndarray,
                  mask: np.ndarray | None = None) -> dict[str, int]:
    codes = ctx.activity.services.codes
    services = ctx.activity.services.service[counted.rows]
    if mask is not None:
        services, values = services[mask], values[mask]
    totals = np.bincount(services, weights=values, minlength=len(codes))
    return {code: int(totals[index]) for index, code in enumerate(codes) if totals[index]}


def ffs_sum(ctx: Context, component: FeeForService | Hybrid,
            paid_units: dict[str, int]) -> tuple[int, str]:
    """Cents owed for the paid units, and the arithmetic written out."""
    total = 0
    parts = []
    for code in component.services:
        units = paid_units.get(code, 0)
        if not units:
            continue
        service = ctx.terms.service(code)
        total += units * to_cents(service.rate)
        parts.append(f"{plural(units, service.unit)} × {fmt(service.rate)}")
    return total, (" + ".join(parts) or "0 units")


def refused_lines(ctx: Context, component: FeeForService | Hybrid, counted: Units,
                  scope: str, mask: np.ndarray | None = None, suffix: str = "") -> list[Line]:
    lines: list[Line] = []
    daily = units_by_code(ctx, counted, counted.over_daily, mask)
    period = units_by_code(ctx, counted, counted.over_period, mask)
    for code in component.services:
        service = ctx.terms.service(code)
        if daily.get(code):
            cap = component.max_units_per_member_per_day
            lines.append(unpaid(
                component, f"{code} unpaid: over daily cap{suffix}", daily[code], service.rate,
                f"{plural(daily[code], service.unit)} over the cap of {plural(cap, service.unit)}"
                f" per member per day in {scope}: not paid"))
        if period.get(code):
            lines.append(unpaid(
                component, f"{code} unpaid: over max_units{suffix}", period[code], service.rate,
                f"{plural(period[code], service.unit)} past max_units {component.max_units} "
                f"in {scope} (paid first come, first served by date): not paid"))
    return lines


def settle_fee_for_service(component: FeeForService, ctx: Context) -> list[Line]:
    counted = count_units(ctx, component, by_month=False)
    paid_units = units_by_code(ctx, counted, counted.paid)
    lines: list[Line] = []
    total = 0
    for code in component.services:
        units = paid_units.get(code, 0)
        if not units:
            continue
        service = ctx.terms.service(code)
        cents = units * to_cents(service.rate)
        total += cents
        lines.append(paid_cents(component, f"{code} {service.name}", units, service.rate, cents,
                                f"{plural(units, service.unit)} × {fmt(service.rate)}"
                                f" = {fmt_cents(cents)}"))
    lines += refused_lines(ctx, component, counted, str(ctx.period))
    minimum = component.guaranteed_minimum
    if minimum is not None and total < to_cents(minimum):
        top_up = to_cents(minimum) - total
        lines.append(paid_cents(component, "Guaranteed minimum top-up", 1,
                                cents_to_decimal(top_up), top_up,
                                f"guaranteed minimum {fmt(minimum)} − FFS {fmt_cents(total)}"
                                f" = {fmt_cents(top_up)}"))
    return lines

