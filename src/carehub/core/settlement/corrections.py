"""Corrections are new lines, never edits: against statements already issued for a
period, a re-settlement yields only the differences, per component and label."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from carehub.core.money import ZERO, fmt
from carehub.core.settlement.context import SettlementError
from carehub.core.settlement.statement import Line, Statement
from carehub.core.terms import Terms


def adjustments(current: Statement, issued: Sequence[Statement], terms: Terms) -> Statement:
    errors = []
    for index, previous in enumerate(issued):
        where = "previous" if len(issued) == 1 else f"previous[{index}]"
        if previous.contract != current.contract:
            errors.append((f"{where}.contract", f'is "{previous.contract}", but the terms are '
                                                f'for "{current.contract}"'))
        if previous.period != current.period:
            errors.append((f"{where}.period", f"is {previous.period}, but the activity is for "
                                              f"{current.period}"))
    if errors:
        raise SettlementError(errors)
    before: dict[tuple[str, str], Decimal] = {}
    for previous in issued:
        for line in previous.lines:
            # An earlier adjustment corrects the line it names.
            label = line.label.removeprefix("Adjustment: ")
            key = (line.component, label)
            before[key] = before.get(key, ZERO) + line.amount
    now: dict[tuple[str, str], Line] = {}
    order: list[tuple[str, str]] = []
    amounts: dict[tuple[str, str], Decimal] = {}
    for line in current.lines:
        key = (line.component, line.label)
        if key not in now:
            order.append(key)
            now[key] = line
        amounts[key] = amounts.get(key, ZERO) + line.amount
    order += [key for key in before if key not in now]
    mlr = {component.id: component.mlr for component in terms.components}
    lines: list[Line] = []
    for key in order:
        was = before.get(key, ZERO)
        is_now = amounts.get(key, ZERO)
        difference = is_now - was
        if difference == 0:
            continue
        component, label = key
        reason = now[key].basis if key in now else "no longer owed"
        lines.append(Line(component, f"Adjustment: {label}", "1", difference, difference,
                          f"issued {fmt(was)}, now {fmt(is_now)} ({reason}); "
                          f"difference {fmt(difference)}", mlr.get(component, "medical")))
    return Statement(current.contract, current.period, tuple(lines), adjustment=True)
