"""Demo data of the scorecard area."""

from typing import Any


def seed(ctx: Any) -> None:
    """Nothing yet."""
