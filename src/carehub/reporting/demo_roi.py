"""Demo data of the roi area."""

from typing import Any


def seed(ctx: Any) -> None:
    """Nothing yet."""
