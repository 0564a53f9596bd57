"""Tables of the scorecard area."""

__all__: list[str] = []
