"""Tables of the roi area."""

__all__: list[str] = []
