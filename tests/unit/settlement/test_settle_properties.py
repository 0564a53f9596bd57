"""Properties that hold for any activity, checked with generated inputs."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from carehub.core.activity import load_activity
from carehub.core.settlement import load_statement, settle
from carehub.core.settlement.performance import penalty_cents
from carehub.core.terms import Penalties, load_terms

SERVICES = [{"code": "HDM", "name": "Meal", "unit": "meal", "rate": "7.50"},
            {"code": "RIDE", "name": "Ride", "unit": "ride", "rate": "20.05"}]
MARCH_START = date(2026, 3, 1)


def terms(*components: dict) -> dict:
    return {"contract": "P", "payer": "plan", "provider": "hub", "effective": "2026-01-01",
            "ends": "2026-12-31", "services": SERVICES, "components": list(components)}


service_lines = st.lists(
    st.fixed_dictionaries({
        "member": st.sampled_from(["M1", "M2", "M3", "M4"]),
        "service": st.sampled_from(["HDM", "RIDE"]),
        "date": st.integers(0, 30).map(lambda d: (MARCH_START + timedelta(days=d)).isoformat()),
        "units": st.integers(1, 6),
    }),
    max_size=60,
)
money = st.integers(0, 200_000).map(lambda cents: f"{cents // 100}.{cents % 100:02d}")


def march(services: list[dict], **extra: object) -> dict:
    return {"period": {"start": "2026-03-01", "end": "2026-03-31"}, "services": services,
            **extra}


def ffs_value(services: list[dict]) -> Decimal:
    rates = {"HDM": Decimal("7.50"), "RIDE": Decimal("20.05")}
    return sum((rates[s["service"]] * s["units"] for s in services), Decimal("0.00"))


@settings(max_examples=60, deadline=None)
@given(service_lines, money)
def test_hybrid_month_total_is_max_of_floor_and_ffs(services, floor):
    hybrid = {"id": "h", "type": "hybrid", "floor": floor, "services": ["HDM", "RIDE"]}
    statement = settle(load_terms(terms(hybrid)), load_activity(march(services)))
    assert statement.total == max(Decimal(floor), ffs_value(services))


@settings(max_examples=60, deadline=None)
@given(service_lines, st.integers(0, 80), st.one_of(st.none(), st.integers(0, 4)))
def test_capped_ffs_never_exceeds_cap_times_rate(services, cap, daily):
    ffs = {"id": "f", "type": "fee_for_service", "services": ["HDM"], "max_units": cap}
    if daily is not None:
        ffs["max_units_per_member_per_day"] = daily
    statement = settle(load_terms(terms(ffs)), load_activity(march(services)))
    assert statement.total <= cap * Decimal("7.50")
    # Paid and unpaid units add up to what was delivered.
    delivered = sum(s["units"] for s in services if s["service"] == "HDM")
    assert sum(int(line.quantity) for line in statement.lines) == delivered


@settings(max_examples=40, deadline=None)
@given(service_lines, money)
def test_same_input_same_statement(services, floor):
    hybrid = {"id": "h", "type": "hybrid", "floor": floor, "services": ["HDM"],
              "max_units_per_member_per_day": 2}
    first = settle(load_terms(terms(hybrid)), load_activity(march(services)))
    second = settle(load_terms(terms(hybrid)), load_activity(march(list(services))))
    assert json.dumps(first.to_json_dict()) == json.dumps(second.to_json_dict())


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 200_000).map(lambda c: Decimal(c) / 100),
       st.integers(0, 5000).map(lambda p: Decimal(p) / 100),
       st.sampled_from(["linear", "compound"]), st.integers(1, 40))
def test_penalties_grow_with_the_occurrence_number(first, step, mode, n):
    penalties = Penalties(first, step, mode)
    assert penalty_cents(penalties, n + 1) >= penalty_cents(penalties, n)
    assert penalty_cents(penalties, 1) == int(first * 100)


@settings(max_examples=60, deadline=None)
@given(money, st.integers(0, 100).map(lambda p: f"{p / 100:.2f}"),
       st.lists(st.integers(0, 5000), min_size=1, max_size=11))
def test_recoupment_never_exceeds_the_prepayment(amount, rate, meals_per_month):
    data = terms({"id": "pre", "type": "prepayment", "amount": amount, "recoup_rate": rate},
                 {"id": "f", "type": "fee_for_service", "services": ["HDM"]})
    recouped = Decimal("0.00")
    for month, meals in enumerate(meals_per_month, start=2):
        start = date(2026, month, 1)
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        services = [{"member": "M1", "service": "HDM", "date": start.isoformat(),
                     "units": meals}] if meals else []
        activity = {"period": {"start": start.isoformat(), "end": end.isoformat()},
                    "services": services, "recouped": {"pre": str(recouped)}}
        statement = settle(load_terms(data), load_activity(activity))
        withheld = -sum((line.amount for line in statement.lines if line.component == "pre"),
                        Decimal("0.00"))
        assert Decimal(0) <= withheld <= Decimal(rate) * meals * Decimal("7.50") + Decimal("0.005")
        recouped += withheld
        assert recouped <= Decimal(amount)


@settings(max_examples=40, deadline=None)
@given(service_lines, money,
       st.lists(st.fixed_dictionaries({"member": st.sampled_from(["M1", "M2", "M3"]),
                                       "start": st.sampled_from(["2026-01-01", "2026-03-15"]),
                                       "end": st.sampled_from([None, "2026-03-20"])}),
                max_size=5))
def test_settling_against_its_own_statement_gives_no_lines(services, floor, attribution):
    data = terms({"id": "h", "type": "hybrid", "floor": floor, "services": ["HDM"]},
                 {"id": "c", "type": "capitation", "pmpm": "12.34",
                  "member_month_rule": "prorated_days"},
                 {"id": "r", "type": "fee_for_service", "services": ["RIDE"], "max_units": 10})
    activity = load_activity(march(services, attribution=attribution))
    issued = settle(load_terms(data), activity)
    reloaded = load_statement(json.loads(json.dumps(issued.to_json_dict())))
    assert settle(load_terms(data), activity, reloaded).lines == ()
