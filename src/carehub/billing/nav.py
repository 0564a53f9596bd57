NAV: list[tuple[str, str, tuple[str, ...]]] = []
