"""The worked examples of design/contract-terms.md, through the CLI, to the cent."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from carehub.commands.settle import main

EXAMPLES = Path(str(resources.files("carehub.core") / "examples"))


def settle_json(capsys: pytest.CaptureFixture[str], terms: str, activity: str) -> dict:
    code = main([str(EXAMPLES / "terms" / terms), str(EXAMPLES / "activity" / activity)])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_hybrid_meals_march_pays_floor_and_supplemental_balance(capsys):
    statement = settle_json(capsys, "wny-meals-hybrid.yaml", "wny-meals-2026-03.json")
    assert statement["contract"] == "WNY-MEALS-2026"
    assert statement["period"] == {"start": "2026-03-01", "end": "2026-03-31"}
    floor, supplement = statement["lines"][:2]
    assert floor == {"component": "meals", "label": "Capitation floor", "quantity": "1",
                     "rate": "18000.00", "amount": "18000.00",
                     "basis": "floor paid up front for 2026-03"}
    assert supplement == {"component": "meals", "label": "Supplemental FFS balance",
                          "quantity": "1", "rate": "1500.00", "amount": "1500.00",
                          "basis": "FFS 2600 meals × 7.50 = 19500.00 − floor 18000.00"}
    # Two third meals on one day are over the two-a-day cap: listed, not paid.
    assert statement["lines"][2]["amount"] == "0.00"
    assert statement["lines"][2]["quantity"] == "2"
    assert statement["total"] == "19500.00"
    assert statement["by_mlr"] == {"medical": "19500.00"}
    assert list(statement) == ["contract", "period", "lines", "total", "by_mlr"]


def test_hybrid_meals_april_pays_the_floor_only(capsys):
    statement = settle_json(capsys, "wny-meals-hybrid.yaml", "wny-meals-2026-04.json")
    assert statement["total"] == "18000.00"
    assert [line["amount"] for line in statement["lines"]] == ["18000.00", "0.00"]
    assert "15000.00" in statement["lines"][1]["basis"]


@pytest.mark.parametrize(("terms", "expected"), [
    ("bayaging-penalties-linear.yaml", ["-1000.00", "-1050.00", "-1100.00"]),
    ("bayaging-penalties-compound.yaml", ["-1000.00", "-1050.00", "-1102.50"]),
])
def test_escalating_penalties(capsys, terms, expected):
    statement = settle_json(capsys, terms, "bayaging-2026-q1.json")
    penalties = [line["amount"] for line in statement["lines"]
                 if line["component"] == "state-metrics"]
    assert penalties == expected


def test_shared_savings_nets_the_guarantee_and_scales_with_quality(capsys):
    statement = settle_json(capsys, "camden-shared-savings.yaml", "camden-2026-12.json")
    line = next(line for line in statement["lines"] if line["component"] == "savings")
    assert line["amount"] == "141428.57"
    assert "savings 300000.00" in line["basis"]
    assert "5/7 metrics met" in line["basis"]


def test_outcome_based_engagement_and_housing_pathway(capsys):
    statement = settle_json(capsys, "pathways-hub.yaml", "pathways-2026-03.json")
    assert [(line["label"], line["amount"]) for line in statement["lines"]] == [
        ("Engagements", "60.00"), ("Pathway housing", "120.00")]


def test_table_format(capsys):
    code = main([str(EXAMPLES / "terms" / "wny-meals-hybrid.yaml"),
                 str(EXAMPLES / "activity" / "wny-meals-2026-03.json"), "--format", "table"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Supplemental FFS balance" in out
    assert out.splitlines()[-2].split()[-1] == "19500.00"
