"""Tables of the readiness area."""

__all__: list[str] = []
