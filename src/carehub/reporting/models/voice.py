"""Tables of the voice area."""

__all__: list[str] = []
