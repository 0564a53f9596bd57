"""The hub pays its CBOs: fees shared out by largest remainder so they add up to the fee on
the total, to the cent; reversals give the fee back."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carehub.core.billing.passthrough import (
    PaidLine,
    PassThroughError,
    cbo_payout,
    hub_payouts,
    margin,
)

FEE = Decimal("12.5")


def lines(*amounts: str, cbo: str = "cbo-a") -> list[PaidLine]:
    return [PaidLine(f"L{n}", cbo, Decimal(amount)) for n, amount in enumerate(amounts, 1)]


def fees(payout) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(line.fee) for line in payout.lines]


def test_fees_add_up_to_the_fee_on_the_total_where_rounding_each_line_would_not() -> None:
    # Each line rounded on its own: 4.17 + 4.17 + 4.17 = 12.51; the fee on 100.00 is 12.50.
    payout = cbo_payout("cbo-a", lines("33.33", "33.33", "33.34"), FEE)
    assert fees(payout) == ["4.17", "4.16", "4.17"]
    assert str(payout.gross) == "100.00"
    assert str(payout.fee) == "12.50"
    assert str(payout.net) == "87.50"
    assert [str(line.net) for line in payout.lines] == ["29.16", "29.17", "29.17"]
    assert str(payout.margin) == "12.50"


def test_the_total_fee_is_rounded_half_up_and_ties_go_to_the_earlier_line() -> None:
    # 3 x 0.05 at 10%: 0.015 in all, rounded half-up to 0.02, one cent each to L1 and L2.
    payout = cbo_payout("cbo-a", lines("0.05", "0.05", "0.05"), Decimal("10"))
    assert fees(payout) == ["0.01", "0.01", "0.00"]
    assert str(payout.fee) == "0.02"
    assert str(payout.net) == "0.13"


def test_a_reversal_reverses_its_fee() -> None:
    payout = cbo_payout("cbo-a", lines("200.00", "-80.00"), FEE)
    assert fees(payout) == ["25.00", "-10.00"]
    assert [str(line.net) for line in payout.lines] == ["175.00", "-70.00"]
    assert str(payout.fee) == "15.00"
    assert str(payout.net) == "105.00"


def test_a_reversal_gives_back_exactly_the_fee_charged_on_the_line_it_reverses() -> None:
    first = cbo_payout("cbo-a", lines("33.33", "33.33", "33.34"), FEE)
    assert str(first.lines[1].fee) == "4.16"
    second = cbo_payout("cbo-a", [
        PaidLine("L2-reversal", "cbo-a", Decimal("-33.33"), reverses_fee=Decimal("4.16")),
        PaidLine("L4", "cbo-a", Decimal("33.33")),
    ], FEE)
    assert fees(second) == ["-4.16", "4.17"]
    assert [str(line.net) for line in second.lines] == ["-29.17", "29.16"]
    assert str(second.net) == "-0.01"


def test_a_negative_total_rounds_away_from_zero() -> None:
    # -0.04 x 12.5% = -0.005 -> -0.01.
    payout = cbo_payout("cbo-a", lines("-0.04"), FEE)
    assert fees(payout) == ["-0.01"]
    assert str(payout.net) == "-0.03"


def test_each_cbo_is_paid_on_its_own_lines_and_the_margin_is_the_sum_of_fees() -> None:
    payouts = hub_payouts([*lines("33.33", "33.33", "33.34"),
                           *[PaidLine("B1", "cbo-b", Decimal("19.99"))]], FEE)
    assert list(payouts) == ["cbo-a", "cbo-b"]
    assert str(payouts["cbo-b"].fee) == "2.50"  # 2.49875
    assert str(payouts["cbo-b"].net) == "17.49"
    assert str(margin(payouts)) == "15.00"
    assert str(margin(payouts.values())) == "15.00"
    assert str(margin({})) == "0.00"


def test_no_fee_and_whole_fee() -> None:
    assert fees(cbo_payout("c", lines("10.01"), Decimal("0"))) == ["0.00"]
    assert fees(cbo_payout("c", lines("10.01"), Decimal("100"))) == ["10.01"]


def test_bad_amounts_and_percent_are_all_named() -> None:
    bad = [PaidLine("L1", "c", Decimal("1.005")), PaidLine("L2", "c", Decimal("5.00"),
                                                            reverses_fee=Decimal("1.00")),
           PaidLine("L1", "c", Decimal("1.00"))]
    with pytest.raises(PassThroughError) as caught:
        cbo_payout("c", bad, Decimal("101"))
    wheres = [where for where, _ in caught.value.errors]
    assert wheres == ["fee_percent", "line L1, paid", "line L2, reverses_fee", "line L1"]
    with pytest.raises(PassThroughError, match="line L2, reverses_fee: given on a line that "
                                               "is not a reversal"):
        cbo_payout("c", bad[1:2], FEE)
    with pytest.raises(PassThroughError, match=r"line R, reverses_fee: 9\.00 is not a fee on "
                                               r"5\.00"):
        cbo_payout("c", [PaidLine("R", "c", Decimal("-5.00"), Decimal("9.00"))], FEE)


amounts = st.integers(min_value=-50_000, max_value=500_000).map(
    lambda cents: Decimal(cents).scaleb(-2))
percents = st.decimals(min_value=0, max_value=100, places=3, allow_nan=False,
                       allow_infinity=False)


@given(st.lists(amounts, min_size=1, max_size=30), percents)
def test_fees_always_add_up_and_stay_within_a_cent_of_each_exact_share(
        paid: list[Decimal], percent: Decimal) -> None:
    payout = cbo_payout("c", [PaidLine(f"L{n}", "c", amount) for n, amount in enumerate(paid)],
                        percent)
    exact_total = sum(paid, Decimal(0)) * percent / 100
    assert payout.fee == exact_total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    for line in payout.lines:
        assert abs(line.fee - line.gross * percent / 100) < Decimal("0.01")
        assert line.net == line.gross - line.fee
    assert payout.net == payout.gross - payout.fee
