"""The ROI job gives the same numbers on Spark (local[2]) as on DuckDB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests import roi_synthetic

from carehub.analytics import engines, roi
from carehub.analytics.extracts import Extract, Workspace

pytestmark = pytest.mark.spark


def test_roi_identical_on_both_engines(spark: Any, tmp_path: Path) -> None:
    program = roi_synthetic.write(tmp_path, enrolled=150, comparison=300, seed=4)
    results = []
    for engine in ("duckdb", "spark"):
        with Workspace(engines.connect(engine)) as ws:
            results.append(roi.run_roi(ws, Extract("roster", tmp_path / "roster.csv", {}),
                                       Extract("claims", tmp_path / "claims.csv", {}), program,
                                       roi.RoiOptions(bootstrap=200)))
    duck, spark_result = results
    assert duck.pop("engine") == "duckdb" and spark_result.pop("engine") == "spark"
    assert duck == spark_result
    assert duck["counts"]["enrolled_matched"] > 100
