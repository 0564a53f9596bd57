"""MLR report per contract and year from the components' mlr labels."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from carehub.core.billing.mlr import MlrError, mlr_report, statement_entries
from carehub.core.periods import Span
from carehub.core.settlement.statement import Line, Statement

MARCH = Span(date(2026, 3, 1), date(2026, 3, 31))


def test_totals_shares_numerator_and_ratio() -> None:
    entries = [
        (MARCH, "medical", Decimal("7000.00")),
        (date(2026, 4, 2), "medical", Decimal("1000.00")),
        (MARCH, "quality", Decimal("1000.00")),
        (date(2026, 5, 1), "admin", Decimal("1000.00")),
        (date(2025, 12, 31), "medical", Decimal("555.55")),  # another year
    ]
    report = mlr_report(entries, 2026, contract="C-1", premium=Decimal("10500.00"))
    assert {k: str(v) for k, v in report.totals.items()} == {
        "medical": "8000.00", "quality": "1000.00", "admin": "1000.00"}
    assert str(report.total) == "10000.00"
    assert {k: str(v) for k, v in report.shares.items()} == {
        "medical": "0.8000", "quality": "0.1000", "admin": "0.1000"}
    assert str(report.numerator) == "9000.00"
    assert str(report.ratio) == "0.8571"  # 9000 / 10500 = 0.857142...
    assert report.to_json_dict()["ratio"] == "0.8571"
    assert report.contract == "C-1" and report.year == 2026


def test_without_premium_there_is_no_ratio_and_empty_categories_are_zero() -> None:
    report = mlr_report([(MARCH, "medical", Decimal("3.00")),
                         (MARCH, "medical", Decimal("-1.00"))], 2026)
    assert report.ratio is None and report.premium is None
    assert str(report.totals["admin"]) == "0.00"
    assert str(report.shares["medical"]) == "1.0000"
    # Shares of a third, half-up to four decimals.
    thirds = mlr_report([(MARCH, c, Decimal("1.00")) for c in ("medical", "quality", "admin")],
                        2026)
    assert [str(s) for s in thirds.shares.values()] == ["0.3333"] * 3
    empty = mlr_report([], 2026)
    assert str(empty.total) == "0.00" and empty.shares["medical"] is None


def test_from_settlement_statements() -> None:
    statement = Statement("C-1", MARCH, (
        Line("ffs", "meals", "10", Decimal("7.50"), Decimal("75.00"), "10 x 7.50"),
        Line("p4p", "bonus", "1", Decimal("20.00"), Decimal("20.00"), "met", "quality"),
        Line("fee", "admin fee", "1", Decimal("5.00"), Decimal("5.00"), "flat", "admin"),
    ))
    report = mlr_report(statement_entries([statement]), 2026, premium=Decimal("200.00"))
    assert str(report.numerator) == "95.00"
    assert str(report.ratio) == "0.4750"
    assert str(report.shares["admin"]) == "0.0500"


def test_bad_entries_are_all_named() -> None:
    crossing = Span(date(2025, 12, 1), date(2026, 1, 31))
    with pytest.raises(MlrError) as caught:
        mlr_report([(crossing, "medical", Decimal("1.00")), (MARCH, "claims", Decimal("1.00")),
                    (MARCH, "medical", 1.5), ("2026-03", "medical", Decimal("1.00"))], 2026,
                   premium=Decimal("0"))
    assert caught.value.errors == [
        ("entry 1", "period 2025-12-01..2026-01-31 crosses a new year: split it by month"),
        ("entry 2", 'mlr label "claims" is not one of medical, quality, admin'),
        ("entry 3", "amount must be a Decimal with at most two decimals, got 1.5"),
        ("entry 4", "must start with a date or a period, got '2026-03'"),
        ("premium", "must be a positive amount with at most two decimals, got Decimal('0')"),
    ]
