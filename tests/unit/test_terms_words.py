"""Contract terms in words: every component kind, exact wording and exact money."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from carehub.core.terms import load_terms, parse_terms_text
from carehub.core.terms_words import (
    ComponentText,
    describe,
    describe_overview,
    describe_services,
    money,
    number,
    percent,
)

EXAMPLES = Path(__file__).parents[2] / "src/carehub/core/examples/terms"


def words(name: str) -> list[ComponentText]:
    path = EXAMPLES / name
    return describe(parse_terms_text(path.read_text(), path.name))


def one(components: list[dict[str, object]], services: list[dict[str, object]] | None = None,
        ends: str = "2026-12-31") -> ComponentText:
    terms = load_terms({
        "contract": "T", "payer": "plan", "provider": "hub", "effective": "2026-01-01",
        "ends": ends, "components": components,
        "services": services if services is not None else [
            {"code": "HDM", "name": "Home-delivered meal", "unit": "meal", "rate": "12.50"},
            {"code": "RIDE", "name": "Ride", "unit": "trip", "rate": "1250.00"},
        ],
    })
    (text,) = describe(terms)
    return text


def test_money_numbers_and_percentages() -> None:
    assert money(Decimal("18000.00")) == "$18,000.00"
    assert money(Decimal("12500000")) == "$12,500,000.00"
    assert money(Decimal("7.5")) == "$7.50"
    assert money(Decimal("-5.00")) == "-$5.00"
    assert number(2600) == "2,600"
    assert number(Decimal("1.50")) == "1.5"
    assert percent(Decimal("0.40")) == "40%"
    assert percent(Decimal("0.475")) == "47.5%"


def test_hybrid_floor_and_meals() -> None:
    (meals,) = words("wny-meals-hybrid.yaml")
    assert meals.heading == "Post-discharge meals"
    assert meals.kind == "Hybrid: monthly floor and fee for service"
    assert meals.mlr == "medical care"
    assert meals.lines == (
        "Floor $18,000.00 a month, paid up front",
        "Home-delivered meal (HDM, HCPCS S5170) at $7.50 per meal, at most 2 a day per member",
        "When a month's fees exceed the floor, the balance is paid on top of it; "
        "otherwise the floor is the month's payment",
    )
    assert meals.summary.startswith(
        "floor $18,000.00 a month, paid up front; home-delivered meal (HDM, HCPCS S5170) "
        "at $7.50 per meal, at most 2 a day per member; ")


def test_hybrid_reconciled_per_member_with_a_period_cap() -> None:
    text = one([{"id": "m", "type": "hybrid", "floor": "18000.00", "services": ["HDM"],
                 "max_units_per_member_per_day": 2, "max_units": 5000, "reconcile": "member"}])
    assert text.lines == (
        "Floor $18,000.00 a month, paid up front",
        "Home-delivered meal (HDM) at $12.50 per meal, at most 2 a day per member",
        "At most 5,000 meals paid in a statement period; units past the cap are listed unpaid",
        "Reconciled member by member: each member's fees above their share of the floor "
        "are paid on top of it",
    )


def test_fee_for_service() -> None:
    (meals,) = words("fee-for-service.yaml")
    assert (meals.heading, meals.lines) == (
        "Fee for service", ("Home-delivered meal (HDM) at $7.50 per meal",))
    text = one([{"id": "f", "type": "fee_for_service", "services": ["HDM", "RIDE"],
                 "max_units": 1200, "guaranteed_minimum": "5000.00"}])
    assert text.lines == (
        "Home-delivered meal (HDM) at $12.50 per meal",
        "Ride (RIDE) at $1,250.00 per trip",
        "At most 1,200 units paid in a statement period; units past the cap are listed unpaid",
        "Guaranteed minimum $5,000.00 a period: a lower total is topped up to it",
    )


def test_capitation_both_member_month_rules() -> None:
    care, _ = words("bayaging-penalties-linear.yaml")
    assert care.lines == ("$42.00 per member per month",
                          "A member counts for a month when attributed on its first day")
    text = one([{"id": "c", "type": "capitation", "pmpm": "1019.50",
                 "member_month_rule": "prorated_days"}])
    assert text.lines == ("$1,019.50 per member per month",
                          "Prorated by the days each member is attributed in the month")


def test_bundled_case_rate() -> None:
    (episodes,) = words("bundled.yaml")
    assert episodes.kind == "Bundled case rate"
    assert episodes.lines == (
        "Post-discharge meal episode (MEALPLAN): $75.00 per episode of 14 days, "
        "paid when the episode starts",
        "Up to 1 renewal, each needing an approval",
        "Includes Home-delivered meal (HDM): not paid separately while an episode is open",
    )


def test_fixed_price_monthly_upfront_quarterly_and_milestones() -> None:
    (pilot,) = words("fixed-price.yaml")
    assert pilot.lines == ("$234,000.00 for the term, paid in 12 monthly instalments of "
                           "$19,500.00",)
    uneven = one([{"id": "p", "type": "fixed_price", "amount": "100000.00",
                   "schedule": "quarterly"}], ends="2026-09-30")
    assert uneven.lines == ("$100,000.00 for the term, paid in 3 quarterly instalments of "
                            "$33,333.33 (the last one $33,333.34)",)
    upfront = one([{"id": "p", "type": "fixed_price", "amount": "50000.00",
                    "schedule": "upfront"}])
    assert upfront.lines == ("$50,000.00, paid up front in the first period of the term "
                             "(from 2026-01-01)",)
    staged = one([{"id": "p", "type": "fixed_price", "schedule": "milestones",
                   "milestones": [{"name": "workflows-tested", "amount": "5000.00"},
                                  {"name": "go-live", "amount": "15000.00"}]}])
    assert staged.lines == ("$20,000.00 in all, paid by milestone",
                            "$5,000.00 when workflows-tested is reported complete",
                            "$15,000.00 when go-live is reported complete")


def test_pay_for_performance_bonuses_and_linear_penalties() -> None:
    base, quality = words("pay-for-performance.yaml")
    assert base.lines == ("$204,000.00 for the term, paid in 12 monthly instalments of "
                          "$17,000.00",)
    assert quality.mlr == "quality improvement"
    assert quality.lines == (
        "Bonus $10,000.00 when follow-up-7d is at least 0.70 in the period",
        "Bonus $10,000.00 when member-satisfaction is at least 0.70 in the period",
        "Bonus $10,000.00 when data-on-time is at least 0.70 in the period",
        "Penalties start at $1,000.00 and rise 5% per occurrence, of the first amount, added: "
        "$1,000.00, $1,050.00, $1,100.00, …; occurrences are counted from the start of the "
        "contract",
    )


def test_compound_penalties_match_the_worked_example() -> None:
    _, metrics = words("bayaging-penalties-compound.yaml")
    assert metrics.heading == "State-directed metrics"
    assert metrics.lines == (
        "Penalties start at $1,000.00 and rise 5% per occurrence, compounded: "
        "$1,000.00, $1,050.00, $1,102.50, …; occurrences are counted from the start of the "
        "contract",
    )


def test_shared_savings_netted_with_quality_metrics() -> None:
    guarantee, savings = words("camden-shared-savings.yaml")
    assert guarantee.heading == "Guaranteed care management payment"
    assert guarantee.lines == ("$300,000.00 for the term, paid in 12 monthly instalments of "
                               "$25,000.00",)
    assert savings.lines[:4] == (
        "Benchmark $12,500,000.00 total cost of care",
        "Savings are net of payments under Guaranteed care management payment (guarantee)",
        "Share of savings from 40% to 50%, by the share of the 7 quality metrics met",
        "Quality metric: patient-satisfaction is at least 0.85",
    )
    assert savings.lines[-1] == "Quality metric: readmission-30d is at most 0.12"
    text = one([{"id": "s", "type": "shared_savings", "min_rate": "0.5", "max_rate": "0.5",
                 "minimum_savings_rate": "0.02", "cap": "500000.00"}])
    assert text.lines == ("Benchmark total cost of care taken from the period's activity",
                          "Share of savings 50%",
                          "Paid only when savings reach 2% of the benchmark",
                          "Capped at $500,000.00")


def test_shared_losses() -> None:
    text = one([{"id": "l", "type": "shared_losses", "benchmark": "12500000.00",
                 "rate": "0.30", "threshold_rate": "0.02", "cap": "250000.00"}])
    assert text.kind == "Shared losses"
    assert text.lines == ("Benchmark $12,500,000.00 total cost of care",
                          "The provider repays 30% of costs above the benchmark",
                          "Only when costs exceed the benchmark by more than 2% of it",
                          "Repayment capped at $250,000.00")


def test_outcome_based_pathways() -> None:
    (pathways,) = words("pathways-hub.yaml")
    assert pathways.heading == "Pathways Community HUB"
    assert pathways.lines == (
        "$60.00 per confirmed engagement (for example a home visit)",
        "$40.00 per outcome unit",
        "housing pathway completed: 3 units = $120.00",
        "medical-home pathway completed: 2 units = $80.00",
        "social-service-referral pathway completed: 1 unit = $40.00",
    )


def test_prepayment_and_flexible_funds() -> None:
    prepaid = one([{"id": "p", "type": "prepayment", "amount": "50000.00",
                    "recoup_rate": "0.10"}])
    assert prepaid.lines == ("$50,000.00 paid in advance in the first period of the term",
                             "Recouped by withholding 10% of each later statement until repaid")
    kept = one([{"id": "p", "type": "prepayment", "amount": "50000.00", "recoup_rate": "0"}])
    assert kept.lines[-1] == "Not recouped"
    funds = one([{"id": "f", "type": "flexible_funds", "per_member": "1500.00", "per": "term",
                  "categories": ["utilities", "groceries"]}])
    assert funds.kind == "Flexible funds"
    assert funds.lines == ("Up to $1,500.00 per member over the term",
                           "For spending on utilities, groceries; spending past a member's "
                           "allocation is listed unpaid")


def test_services_and_overview() -> None:
    path = EXAMPLES / "wny-meals-hybrid.yaml"
    terms = parse_terms_text(path.read_text(), path.name)
    assert describe_services(terms) == ["Home-delivered meal (HDM, HCPCS S5170): $7.50 per meal"]
    assert describe_overview(terms) == [
        "independent-health pays wnyicc from 2026-01-01 to 2026-12-31",
        "Billed as an aggregate invoice",
    ]


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_component_has_words(path: Path) -> None:
    terms = parse_terms_text(path.read_text(), path.name)
    texts = describe(terms)
    assert [t.id for t in texts] == [c.id for c in terms.components]
    assert all(t.lines and all(line.strip() for line in t.lines) for t in texts)
