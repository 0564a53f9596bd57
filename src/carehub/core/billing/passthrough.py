"""The hub pays its CBOs: for each CBO, what the payer approved or paid for that CBO's
lines, less the hub's administrative fee (a percent set on the network).

The fee is taken once on a CBO's total, rounded half-up to the cent, then shared out over
the lines by largest remainder (each line's exact fee rounded down, the cents left over
going to the lines with the largest fractions, ties to the earlier line), so the lines'
fees add up to the total fee exactly and no line is more than a cent from its exact share.
Rounding each line on its own would not add up: three lines of 33.33, 33.33 and 33.34 at
12.5% round to 4.17 each, 12.51, where the fee on 100.00 is 12.50.

A reversal (a negative amount) reverses its fee too. When the fee charged on the line it
reverses is known, that exact fee is given back; otherwise the reversal is shared out with
the other lines like any line. The hub's margin is the sum of the fees.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from carehub.core.money import ZERO, cents_to_decimal, money, round_fraction_to_cents
from carehub.core.validation import InputError

HUNDRED = Decimal(100)


class PassThroughError(InputError):
    """Amounts or a fee percent that cannot be paid out; `.errors` names each line."""


@dataclass(frozen=True, slots=True)
class PaidLine:
    """A CBO's line with what the payer approved or paid for it (negative: a reversal)."""

    line_id: str
    cbo: str
    paid: Decimal
    reverses_fee: Decimal | None = None  # the fee charged on the line this one reverses


@dataclass(frozen=True, slots=True)
class PayoutLine:
    line_id: str
    gross: Decimal
    fee: Decimal
    net: Decimal


@dataclass(frozen=True)
class CboPayout:
    cbo: str
    fee_percent: Decimal
    lines: tuple[PayoutLine, ...]
    gross: Decimal
    fee: Decimal
    net: Decimal

    @property
    def margin(self) -> Decimal:
        """What the hub keeps from this CBO's lines."""
        return self.fee


def _check(lines: Sequence[PaidLine], fee_percent: Decimal) -> None:
    errors: list[tuple[str, str]] = []
    if not isinstance(fee_percent, Decimal) or not (ZERO <= fee_percent <= HUNDRED):
        errors.append(("fee_percent", f"must be a percent from 0 to 100 (a Decimal such as "
                                      f'"12.5"), got {fee_percent!r}'))
    seen: set[str] = set()
    for line in lines:
        where = f"line {line.line_id}"
        if line.line_id in seen:
            errors.append((where, "the line id is used twice"))
        seen.add(line.line_id)
        amounts_ok = True
        for name, value in (("paid", line.paid), ("reverses_fee", line.reverses_fee)):
            if value is None:
                continue
            try:
                if not isinstance(value, Decimal):
                    raise TypeError
                money(value)
            except (ValueError, TypeError):
                amounts_ok = False
                errors.append((f"{where}, {name}", f"must be an amount with at most two "
                                                   f"decimals, got {value!r}"))
        if line.reverses_fee is not None and amounts_ok:
            if line.paid >= 0:
                errors.append((f"{where}, reverses_fee", "given on a line that is not a "
                                                         f"reversal (paid {line.paid})"))
            elif line.reverses_fee < 0 or line.reverses_fee > -line.paid:
                errors.append((f"{where}, reverses_fee",
                               f"{line.reverses_fee} is not a fee on {-line.paid}"))
    if errors:
        raise PassThroughError(errors)


def cbo_payout(cbo: str, lines: Iterable[PaidLine], fee_percent: Decimal) -> CboPayout:
    """One CBO's payout: each line's gross, fee and net, and the totals."""
    items = list(lines)
    _check(items, fee_percent)
    rate = Fraction(fee_percent) / 100
    fees: dict[int, int] = {}
    shared: list[int] = []
    for index, line in enumerate(items):
        if line.reverses_fee is not None:
            fees[index] = -int(line.reverses_fee * 100)
        else:
            shared.append(index)
    exact = {index: int(items[index].paid * 100) * rate for index in shared}
    total = round_fraction_to_cents(sum(exact.values(), Fraction(0)) / 100)
    floors = {index: math.floor(share) for index, share in exact.items()}
    left = total - sum(floors.values())
    # 0 <= left <= len(shared): the floors are at most the exact total, the total at most
    # half a cent below it.
    ranked = sorted(shared, key=lambda index: (-(exact[index] - floors[index]), index))
    for index in ranked[:left]:
        floors[index] += 1
    fees.update(floors)
    payout_lines = []
    for index, line in enumerate(items):
        gross = money(line.paid)
        fee = cents_to_decimal(fees[index])
        payout_lines.append(PayoutLine(line.line_id, gross, fee, gross - fee))
    gross_total = sum((line.gross for line in payout_lines), ZERO)
    fee_total = sum((line.fee for line in payout_lines), ZERO)
    return CboPayout(cbo=cbo, fee_percent=fee_percent, lines=tuple(payout_lines),
                     gross=gross_total, fee=fee_total, net=gross_total - fee_total)


def hub_payouts(lines: Iterable[PaidLine], fee_percent: Decimal) -> dict[str, CboPayout]:
    """Every CBO's payout, by CBO in the order the CBOs first appear."""
    grouped: dict[str, list[PaidLine]] = {}
    for line in lines:
        grouped.setdefault(line.cbo, []).append(line)
    return {cbo: cbo_payout(cbo, group, fee_percent) for cbo, group in grouped.items()}


def margin(payouts: Mapping[str, CboPayout] | Iterable[CboPayout]) -> Decimal:
    """The hub's margin: the fees kept over all CBOs."""
    items = payouts.values() if isinstance(payouts, Mapping) else payouts
    return sum((payout.fee for payout in items), ZERO)
