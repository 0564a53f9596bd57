"""Demo data of the voice area."""

from typing import Any


def seed(ctx: Any) -> None:
    """Nothing yet."""
