"""The ROI job: a planted effect is recovered within its interval, a null effect is not
mistaken for one, matching drops and weighs strata as documented, bad input is named."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tests import roi_synthetic

from carehub.analytics import engines, roi
from carehub.analytics.extracts import Extract, Workspace


def run(folder: Path, program: dict[str, dt.date], **options: Any) -> dict[str, Any]:
    with Workspace(engines.connect("duckdb")) as ws:
        return roi.run_roi(ws, Extract("roster", folder / "roster.csv", {}),
                           Extract("claims", folder / "claims.csv", {}), program,
                           roi.RoiOptions(**options))


def inside(value: float, did: dict[str, str]) -> bool:
    return Decimal(did["low"]) <= Decimal(str(value)) <= Decimal(did["high"])


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("planted")
    program = roi_synthetic.write(folder, ed_drop=0.2, pmpm_drop=40.0, seed=10)
    return run(folder, program, paid=Decimal("250000.00"))


def test_planted_effect_is_inside_the_interval_and_zero_is_not(planted: dict[str, Any]) -> None:
    ed, pmpm = planted["did"]["ed_per_1000"], planted["did"]["allowed_pmpm"]
    assert inside(-200, ed) and not inside(0, ed)
    assert inside(-40, pmpm) and not inside(0, pmpm)
    # nothing was planted in inpatient stays
    assert inside(0, planted["did"]["inpatient_per_1000"])


def test_savings_follow_the_pmpm_difference(planted: dict[str, Any]) -> None:
    savings = planted["savings"]
    months = savings["enrolled_follow_up_member_months"]
    assert months == planted["groups"]["enrolled"]["follow_up"]["member_months"]
    # savings = -PMPM DiD x follow-up member-months (the interval's ends swap sides)
    assert Decimal(savings["low"]) == pytest.approx(-Decimal(planted["did"]["allowed_pmpm"]["high"]) * months, abs=months / 200)
    assert Decimal(savings["low"]) > 0
    per_dollar = savings["per_dollar"]
    assert savings["paid"] == "250000.00"
    assert Decimal(per_dollar["estimate"]) == (Decimal(savings["estimate"]) / Decimal("250000")).quantize(Decimal("0.01"))
    assert Decimal(per_dollar["low"]) > 0


def test_no_effect_gives_an_interval_containing_zero(tmp_path: Path) -> None:
    program = roi_synthetic.write(tmp_path, ed_drop=0.0, pmpm_drop=0.0, seed=10)
    result = run(tmp_path, program, bootstrap=500)
    for measure in roi.MEASURES:
        assert inside(0, result["did"][measure]), measure


def test_same_inputs_and_seed_give_the_same_interval(tmp_path: Path) -> None:
    program = roi_synthetic.write(tmp_path, enrolled=200, comparison=400, seed=3)
    first = run(tmp_path, program, bootstrap=200, seed=5)
    assert run(tmp_path, program, bootstrap=200, seed=5) == first
    other = run(tmp_path, program, bootstrap=200, seed=6)
    assert other["did"]["allowed_pmpm"]["estimate"] == first["did"]["allowed_pmpm"]["estimate"]
    assert other["did"]["allowed_pmpm"]["low"] != first["did"]["allowed_pmpm"]["low"]
