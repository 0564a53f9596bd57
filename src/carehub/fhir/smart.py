"""SMART on FHIR system scopes: `system/<Type>.<letters>`.

Letters are SMART v2's c, r, u, d, s (create, read, update, delete, search); v1's
`.read` (r and s), `.write` (c, u and d) and `.*` (all) are read too, and the type may
be `*`. A scope is held as a set of (type, letter) permissions, `*` standing for any type.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

LETTERS = "cruds"
V1 = {"read": "rs", "write": "cud", "*": LETTERS}
INTERACTION_LETTER = {"create": "c", "read": "r", "update": "u", "delete": "d", "search": "s"}
SCOPE_RE = re.compile(r"^system/(\*|[A-Z][A-Za-z]{1,63})\.(\*|read|write|[cruds]{1,5})$")

Permission = tuple[str, str]


def parse(scope: str) -> frozenset[Permission] | None:
    """The permissions one scope string gives, or None if it is not a system scope."""
    match = SCOPE_RE.match(scope)
    if match is None:
        return None
    rtype, letters = match.groups()
    letters = V1.get(letters, letters)
    if len(set(letters)) != len(letters):
        return None
    return frozenset((rtype, letter) for letter in letters)


def parse_all(scopes: str | Iterable[str]) -> set[Permission]:
    items = scopes.split() if isinstance(scopes, str) else scopes
    held: set[Permission] = set()
    for scope in items:
        held |= parse(scope) or frozenset()
    return held


def invalid(scopes: str | Iterable[str]) -> list[str]:
    """The scope strings that are not system scopes carehub understands."""
    items = scopes.split() if isinstance(scopes, str) else scopes
    return [s for s in items if parse(s) is None]


def allows(held: set[Permission], resource_type: str, letter: str) -> bool:
    return (resource_type, letter) in held or ("*", letter) in held


def _format(rtype: str, letters: Iterable[str]) -> str:
    return f"system/{rtype}.{''.join(c for c in LETTERS if c in set(letters))}"


def grant(requested: str | Iterable[str], registered: str | Iterable[str]) -> list[str]:
    """What a token gets: each requested scope narrowed to what the registration holds.
    A requested scope held whole is kept as written; of one held in part, only the
    part held is granted (`system/*.cruds` asked of a `system/Task.rs` registration
    gives `system/Task.rs`). Scopes carehub does not know are dropped."""
    held = parse_all(registered)
    items = requested.split() if isinstance(requested, str) else list(requested)
    granted: list[str] = []
    for scope in items:
        wanted = parse(scope)
        if not wanted:
            continue
        if all(allows(held, rtype, letter) for rtype, letter in wanted):
            granted.append(scope)
            continue
        # Part of it: by concrete type (a wildcard asked gives the types registered).
        by_type: dict[str, set[str]] = {}
        for rtype, letter in wanted:
            if rtype == "*":
                for h_type, h_letter in held:
                    if h_letter == letter:
                        by_type.setdefault(h_type, set()).add(letter)
            elif allows(held, rtype, letter):
                by_type.setdefault(rtype, set()).add(letter)
        granted.extend(_format(rtype, letters) for rtype, letters in sorted(by_type.items()))
    return list(dict.fromkeys(granted))


def needed(resource_type: str, interaction: str) -> str:
    """The scope an interaction needs, as SMART v2 writes it."""
    return f"system/{resource_type}.{INTERACTION_LETTER[interaction]}"
