"""Money rounding: one rule, half away from zero, for Decimals, Fractions and cents."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carehub.core.money import (
    CENT,
    cents_to_decimal,
    fmt,
    fmt_cents,
    fmt_number,
    round_cents,
    round_fraction_to_cents,
    round_half_up,
    round_to,
    split_cents,
    to_cents,
)

# Plain decimals with up to six places, negative amounts included, well inside the
# 28-digit decimal context.
amounts = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=6,
                      allow_nan=False, allow_infinity=False)
units = st.sampled_from([Decimal("1"), Decimal("0.1"), CENT, Decimal("0.0001")])
fractions = st.fractions(min_value=Fraction(-10**9), max_value=Fraction(10**9),
                         max_denominator=10**6)


@given(amounts)
def test_round_cents_is_decimal_half_up(value: Decimal) -> None:
    assert round_cents(value) == value.quantize(CENT, rounding=ROUND_HALF_UP)
    assert round_half_up(value) == round_cents(value)


@given(amounts, units)
def test_round_to_is_decimal_half_up_at_any_precision(value: Decimal, unit: Decimal) -> None:
    rounded = round_to(value, unit)
    assert rounded == value.quantize(unit, rounding=ROUND_HALF_UP)
    assert rounded.as_tuple().exponent == unit.as_tuple().exponent


@given(amounts, units)
def test_a_fraction_rounds_like_the_same_decimal(value: Decimal, unit: Decimal) -> None:
    assert round_to(Fraction(value), unit) == round_to(value, unit)


@given(fractions)
def test_fractions_round_to_the_nearest_cent_halves_away_from_zero(value: Fraction) -> None:
    rounded = Fraction(round_cents(value))
    assert abs(rounded - value) <= Fraction(1, 200)
    if abs(rounded - value) == Fraction(1, 200):
        assert abs(rounded) > abs(value)


@given(amounts)
def test_rounding_is_symmetric_around_zero(value: Decimal) -> None:
    assert round_cents(-value) == -round_cents(value)


@given(amounts)
def test_to_cents_rounds_half_up_like_everything_else(value: Decimal) -> None:
    assert to_cents(value) == int(value.quantize(CENT, rounding=ROUND_HALF_UP) * 100)
    assert cents_to_decimal(to_cents(value)) == round_cents(value)


@given(fractions)
def test_fraction_to_cents_matches_round_cents(value: Fraction) -> None:
    assert cents_to_decimal(round_fraction_to_cents(value)) == round_cents(value)


@given(st.integers(min_value=-10**15, max_value=10**15))
def test_cents_round_trip_and_format(cents: int) -> None:
    amount = cents_to_decimal(cents)
    assert to_cents(amount) == cents
    assert fmt(amount) == fmt_cents(cents) == str(amount)


@given(st.integers(min_value=-10**12, max_value=10**12), st.integers(min_value=1, max_value=120))
def test_split_cents_keeps_the_total(total: int, parts: int) -> None:
    shares = split_cents(total, parts)
    assert len(shares) == parts and sum(shares) == total
    assert len(set(shares[:-1])) <= 1  # all but the last share are equal
    assert 0 <= shares[-1] - shares[0] < parts  # the last carries the remainder only


def test_split_cents_example() -> None:
    assert split_cents(100_000, 3) == [33_333, 33_333, 33_334]
    with pytest.raises(ValueError):
        split_cents(100, 0)


@pytest.mark.parametrize(("value", "expected"), [
    ("2.675", "2.68"),     # half-even would give 2.68 too; the next lines tell them apart
    ("2.665", "2.67"),     # half-even: 2.66
    ("-2.665", "-2.67"),   # half away from zero for debits as well
    ("0.005", "0.01"),
    ("-0.005", "-0.01"),
    ("0.0049", "0.00"),
])
def test_third_decimal_halves_go_away_from_zero(value: str, expected: str) -> None:
    assert str(round_cents(Decimal(value))) == expected
    assert to_cents(Decimal(value)) == int(Decimal(expected) * 100)
    assert fmt(Decimal(value)) == expected


def test_rates_written_to_four_places_round_half_up() -> None:
    assert fmt_number(Fraction(1, 32)) == "0.0313"  # 0.03125
    assert fmt_number(Fraction(-1, 32)) == "-0.0313"
    assert fmt_number(Fraction(1, 3)) == "0.3333"
    assert str(round_to(Fraction(2, 3), Decimal("0.1"))) == "0.7"
