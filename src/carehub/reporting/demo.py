"""Demo reporting and governance data: each area seeds its own part, in this order."""

from typing import Any

from carehub.reporting import demo_joc, demo_readiness, demo_roi, demo_scorecard, demo_voice


def seed(ctx: Any) -> None:
    for area in (demo_scorecard, demo_joc, demo_roi, demo_voice, demo_readiness):
        area.seed(ctx)
