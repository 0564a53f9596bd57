"""Helpers that build statement lines the same way in every component."""

from __future__ import annotations

from decimal import Decimal

from carehub.core.money import ZERO, cents_to_decimal, fmt_number
from carehub.core.settlement.statement import Line
from carehub.core.terms import Component


def paid(component: Component, label: str, quantity: object, rate: Decimal, amount: Decimal,
         basis: str) -> Line:
    return Line(component.id, label, _quantity(quantity), rate, amount, basis, component.mlr)


def paid_cents(component: Component, label: str, quantity: object, rate: Decimal,
               cents: int, basis: str) -> Line:
    return paid(component, label, quantity, rate, cents_to_decimal(cents), basis)


def unpaid(component: Component, label: str, quantity: object, rate: Decimal,
           basis: str) -> Line:
    """A zero line: something reported but not paid, with the reason in `basis`."""
    return Line(component.id, label, _quantity(quantity), rate, ZERO, basis, component.mlr)


def _quantity(quantity: object) -> str:
    if isinstance(quantity, str):
        return quantity
    if isinstance(quantity, int | Decimal):
        return fmt_number(quantity)
    return str(quantity)


def plural(count: object, unit: str) -> str:
    """"2600 meals", "1 meal": bases read like an analyst's worksheet."""
    text = fmt_number(count) if isinstance(count, int | Decimal) else str(count)
    if text == "1" or unit.endswith("s"):
        return f"{text} {unit}"
    return f"{text} {unit}s"
