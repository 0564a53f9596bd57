"""Money: `Decimal` amounts in cents, rounded half-up once per line, written with two decimals.

Amounts in terms and activity are written as strings ("7.50") so no binary float ever
touches them. Inside the engine, whole-cent amounts may travel as integer cents where
that is faster; any fraction of a cent is carried exactly (as a `Fraction`) until the one
rounding of its line.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

_MONEY_RE = re.compile(r"^-?\d+(\.\d{1,2})?$")
_DECIMAL_RE = re.compile(r"^-?\d+(\.\d+)?$")


def is_money_text(text: str) -> bool:
    """True for a plain amount with at most two decimals: "18000", "7.5", "-12.00"."""
    return bool(_MONEY_RE.match(text))


def is_decimal_text(text: str) -> bool:
    """True for a plain decimal number of any precision: "0.4714", "3"."""
    return bool(_DECIMAL_RE.match(text))


def money(value: str | int | Decimal) -> Decimal:
    """An exact amount with two decimals; raises ValueError for anything that is not one."""
    if isinstance(value, bool):
        raise ValueError("not a money amount")
    if isinstance(value, int):
        return Decimal(value).quantize(CENT)
    if isinstance(value, Decimal):
        if value != value.quantize(CENT):
            raise ValueError(f"{value} has more than two decimals")
        return value.quantize(CENT)
    if isinstance(value, str) and is_money_text(value.strip()):
        return Decimal(value.strip()).quantize(CENT)
    raise ValueError(f"{value!r} is not a money amount")


def round_to(value: Decimal | Fraction | int, unit: Decimal = CENT) -> Decimal:
    """`value` rounded to a multiple of `unit` (CENT, Decimal("0.1"), Decimal("0.0001")…),
    half away from zero, the way a payer's analyst does by hand; the one rounding rule.

    A `Fraction` is rounded exactly (no intermediate decimal division)."""
    if isinstance(value, Fraction):
        steps = value / Fraction(unit)
        sign = -1 if steps < 0 else 1
        whole, remainder = divmod(abs(steps.numerator), steps.denominator)
        if remainder * 2 >= steps.denominator:
            whole += 1
        return (Decimal(sign * whole) * unit).quantize(unit)
    return Decimal(value).quantize(unit, rounding=ROUND_HALF_UP)


def round_cents(value: Decimal | Fraction | int) -> Decimal:
    """Round to cents, half away from zero."""
    return round_to(value, CENT)


def round_half_up(value: Decimal | Fraction | int) -> Decimal:
    """Round to cents, half away from zero (the older name of `round_cents`)."""
    return round_cents(value)


def round_fraction_to_cents(value: Fraction) -> int:
    """Whole cents of an exact amount in currency units, half-up (away from zero)."""
    return to_cents(round_cents(value))


def to_cents(amount: Decimal) -> int:
    """Integer cents of an amount, rounded half-up to the cent first."""
    return int(round_cents(amount) * 100)


def split_cents(total: int, parts: int) -> list[int]:
    """`total` cents in `parts` even shares, each rounded down to the cent, the remainder
    added to the last share, so the shares always add up to the total."""
    if parts <= 0:
        raise ValueError(f"cannot split into {parts} parts")
    each = total // parts
    return [each] * (parts - 1) + [total - each * (parts - 1)]


def cents_to_decimal(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2).quantize(CENT)


def fmt(amount: Decimal | int) -> str:
    """Two decimals, no thousands separator: the statement's money format."""
    return f"{round_cents(amount):.2f}"


def fmt_cents(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


def fmt_number(value: Decimal | Fraction | int) -> str:
    """A quantity or rate as an analyst would write it: no exponent, no trailing zeros."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        return f"{round_to(value, Decimal('0.0001')):.4f}"
    if isinstance(value, int):
        return str(value)
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
