"""Demo data of the readiness area."""

from typing import Any


def seed(ctx: Any) -> None:
    """Nothing yet."""
