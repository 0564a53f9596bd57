"""Demo data of the joc area."""

from typing import Any


def seed(ctx: Any) -> None:
    """Nothing yet."""
