"""The payment model studio: the seeds' Payment Model Summary, measured."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from datetime import date, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from carehub.commands.studio import main
from carehub.core.activity import load_activity
from carehub.core.settlement import settle
from carehub.core.studio import compare, parse_distribution, simulate
from carehub.core.terms import load_terms, parse_terms_text

EXAMPLES = Path(str(resources.files("carehub.core") / "examples" / "terms"))
MODELS = ["fixed-price", "fee-for-service", "bundled", "capitation", "pay-for-performance"]
WORLD = {"volume": "normal:2600,500", "cost_per_unit": "normal:6.0,0.3",
         "intensity": "triangular:0.8,1.0,1.3", "quality": "uniform:0.5,0.9",
         "penalties": "poisson:0.5"}


def load(name: str):
    path = EXAMPLES / f"{name}.yaml"
    return parse_terms_text(path.read_text(), str(path))


@pytest.fixture(scope="module")
def outcomes():
    world = {name: parse_distribution(text) for name, text in WORLD.items()}
    results = compare([(name, load(name)) for name in MODELS], world, runs=4000, seed=11)
    return {outcome.name: outcome for outcome in results}


def test_risk_to_the_payer_is_highest_under_fee_for_service(outcomes):
    payer = {name: outcome.payer_risk for name, outcome in outcomes.items()}
    assert max(payer, key=payer.__getitem__) == "fee-for-service"
    # Medium (bundled, pay for performance) sits between low and high.
    for medium in ("bundled", "pay-for-performance"):
        assert payer["fixed-price"] < payer[medium] < payer["fee-for-service"]
        assert payer["capitation"] < payer[medium]


def test_risk_to_the_provider_is_highest_under_capitation(outcomes):
    provider = {name: outcome.provider_risk for name, outcome in outcomes.items()}
    assert max(provider, key=provider.__getitem__) == "capitation"
    for low in ("fixed-price", "fee-for-service"):
        for medium in ("bundled", "pay-for-performance"):
            assert provider[low] < provider[medium] < provider["capitation"]
    assert (outcomes["capitation"].summary()["provider_loss_probability"]
            > outcomes["fixed-price"].summary()["provider_loss_probability"])


def test_fixed_price_is_low_risk_for_both(outcomes):
    fixed = outcomes["fixed-price"]
    assert fixed.payer_risk == 0
    assert fixed.provider_risk < min(outcomes[m].provider_risk
                                     for m in ("bundled", "capitation", "pay-for-performance"))


def test_studio_prices_a_fixed_year_as_the_engine_settles_it():
    data = {"contract": "X", "payer": "p", "provider": "h", "effective": "2026-01-01",
            "ends": "2026-12-31",
            "services": [{"code": "HDM", "name": "Meal", "unit": "meal", "rate": "7.50"}],
            "components": [
                {"id": "h", "type": "hybrid", "floor": "15000.00", "services": ["HDM"]},
                {"id": "c", "type": "capitation", "pmpm": "2.00",
                 "member_month_rule": "first_of_month"},
                {"id": "f", "type": "fixed_price", "amount": "1000.00", "schedule": "quarterly"},
            ]}
    terms = load_terms(data)
    fixed = {"volume": parse_distribution("fixed:2100"), "cost_per_unit": parse_distribution(
        "fixed:6"), "members": parse_distribution("fixed:50")}
    outcome = simulate(terms, fixed, runs=3, seed=0)
    # The same year as activity: 2,100 meals a month, 50 members all year.
    services = []
    for month in range(1, 13):
        services += [{"member": f"M{k}", "service": "HDM",
                      "date": (date(2026, month, 1) + timedelta(days=k % 28)).isoformat(),
                      "units": 1} for k in range(2100)]
    activity = load_activity({
        "period": {"start": "2026-01-01", "end": "2026-12-31"},
        "attribution": [{"member": f"M{k}", "start": "2026-01-01", "end": None}
                        for k in range(50)],
        "services": services})
    total = settle(terms, activity).total
    # Each month max(15000.00, 2100 × 7.50) + 50 members × 2.00; plus the fixed price.
    assert total == Decimal("15850.00") * 12 + Decimal("1000.00")
    assert np.allclose(outcome.payer_cost, float(total))
    assert np.allclose(outcome.provider_margin, float(total) - 2100 * 12 * 6)


def test_same_seed_same_results_and_chart(tmp_path: Path, capsys):
    args = [str(EXAMPLES / f"{name}.yaml") for name in MODELS] + [
        f"--simulate={name}={text}" for name, text in WORLD.items()] + [
        "--runs", "500", "--seed", "5", "--format", "json"]
    chart = tmp_path / "risk.svg"
    assert main([*args, "--chart", str(chart)]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out) == first
    assert [c["terms"] for c in first["candidates"]] == [f"{m}.yaml" for m in MODELS]
    assert set(first["candidates"][0]) == {
        "terms", "payer_cost_mean", "payer_cost_p5", "payer_cost_p95", "provider_margin_mean",
        "provider_margin_p5", "provider_loss_probability"}
    svg = ElementTree.parse(chart).getroot()
    assert svg.tag.endswith("svg")
    assert len(svg.findall("{http://www.w3.org/2000/svg}rect")) == 1 + 2 * len(MODELS)
    assert [p.name for p in tmp_path.iterdir()] == ["risk.svg"]


@pytest.mark.parametrize(("argv_tail", "message"), [
    (["--simulate", "volume=gaussian:1,2"], 'unknown distribution "gaussian"'),
    (["--simulate", "volume=normal:1"], "normal takes 2 number(s)"),
    (["--simulate", "colour=fixed:1"], "expected NAME=DIST"),
    (["--simulate", "volume=fixed:1"], "--simulate cost_per_unit=DIST is required"),
])
def test_bad_simulation_settings_exit_2(capsys, argv_tail, message):
    assert main([str(EXAMPLES / "fee-for-service.yaml"), *argv_tail]) == 2
    out = capsys.readouterr()
    assert message in out.err
    assert out.out == ""


def test_bundled_terms_need_units_per_episode(tmp_path: Path, capsys):
    text = (EXAMPLES / "bundled.yaml").read_text().replace("studio:\n  units_per_episode: 10\n",
                                                           "")
    terms = tmp_path / "bundled.yaml"
    terms.write_text(text)
    assert main([str(terms), "--simulate", "volume=fixed:10",
                 "--simulate", "cost_per_unit=fixed:1"]) == 2
    assert "studio.units_per_episode: required" in capsys.readouterr().err
