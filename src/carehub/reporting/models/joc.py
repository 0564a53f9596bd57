"""Tables of the joc area."""

__all__: list[str] = []
