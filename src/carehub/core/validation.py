"""A small reader for nested dicts that collects every problem with the path where it is
found (`components[2].floor`), what is wrong, and what would be allowed.

Terms, activity and statements share it, so their error messages read the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from carehub.core.money import is_decimal_text, is_money_text, money

MISSING: Any = object()


class InputError(ValueError):
    """Bad input; `.errors` lists `(path, message)` for every problem found."""

    def __init__(self, errors: list[tuple[str, str]], source: str = "") -> None:
        self.errors = errors
        self.source = source
        super().__init__(self.describe())

    def describe(self) -> str:
        prefix = f"{self.source}: " if self.source else ""
        return "\n".join(f"{prefix}{path}: {message}" if path else f"{prefix}{message}"
                         for path, message in self.errors)


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def describe_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, float):
        return f"{value!r} (a number)"
    if isinstance(value, int):
        return f"{value} (a whole number)"
    if isinstance(value, str):
        return f'"{value}"' if len(value) < 60 else f'"{value[:57]}..."'
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


class Reader:
    """Reads values out of plain data, recording errors instead of stopping at the first."""

    def __init__(self, max_errors: int = 200) -> None:
        self.errors: list[tuple[str, str]] = []
        self.max_errors = max_errors
        self.suppressed = 0

    def error(self, path: str, message: str) -> None:
        if len(self.errors) < self.max_errors:
            self.errors.append((path, message))
        else:
            self.suppressed += 1

    def all_errors(self) -> list[tuple[str, str]]:
        if self.suppressed:
            return [*self.errors, ("", f"... and {self.suppressed} more errors")]
        return list(self.errors)

    # -- containers -------------------------------------------------------------------
    def mapping(self, value: Any, path: str, what: str = "a mapping") -> Mapping[str, Any] | None:
        if isinstance(value, Mapping):
            return value
        self.error(path, f"must be {what}, got {describe_value(value)}")
        return None

    def sequence(self, value: Any, path: str, what: str) -> list[Any] | None:
        if isinstance(value, list | tuple):
            return list(value)
        self.error(path, f"must be a list of {what}, got {describe_value(value)}")
        return None

    def no_unknown(self, data: Mapping[str, Any], path: str, allowed: Iterable[str]) -> None:
        allowed_list = list(allowed)
        for key in data:
            if key not in allowed_list:
                self.error(join(path, str(key)),
                           f"unknown field (allowed here: {', '.join(allowed_list)})")

    # -- scalars ----------------------------------------------------------------------
    def text(self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True,
             example: str = "") -> str | None:
        value = data.get(key, MISSING)
        where = join(path, key)
        hint = f" (text such as \"{example}\")" if example else " (text)"
        if value is MISSING or value is None:
            if required:
                self.error(where, f"required{hint}")
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(where, f"must be non-empty text, got {describe_value(value)}")
            return None
        return value

    def money(self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True,
              example: str = "100.00", allow_negative: bool = False) -> Decimal | None:
        value = data.get(key, MISSING)
        where = join(path, key)
        hint = f'a money string such as "{example}"'
        if value is MISSING or value is None:
            if required:
                self.error(where, f"required ({hint})")
            return None
        return self.money_value(value, where, example=example, allow_negative=allow_negative)

    def money_value(self, value: Any, where: str, *, example: str = "100.00",
                    allow_negative: bool = False) -> Decimal | None:
        hint = f'a money string such as "{example}"'
        if isinstance(value, float):
            self.error(where, f"must be {hint}, got {describe_value(value)}: write money in "
                              "quotes so no cents are lost to binary fractions")
            return None
        if isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, str) and is_money_text(value.strip()))
        ):
            self.error(where, f"must be {hint} (at most two decimals), "
                              f"got {describe_value(value)}")
            return None
        amount = money(value)
        if amount < 0 and not allow_negative:
            self.error(where, f"must not be negative, got {describe_value(value)}")
            return None
        return amount

    def decimal(self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True,
                example: str = "0.90", low: Decimal | None = None,
                high: Decimal | None = None) -> Decimal | None:
        value = data.get(key, MISSING)
        where = join(path, key)
        bounds = ""
        if low is not None and high is not None:
            bounds = f" between {low} and {high}"
        elif low is not None:
            bounds = f" of at least {low}"
        hint = f'a decimal string{bounds} such as "{example}"'
        if value is MISSING or value is None:
            if required:
                self.error(where, f"required ({hint})")
            return None
        if isinstance(value, float):
            self.error(where, f"must be {hint}, got {describe_value(value)}: write it in quotes")
            return None
        if isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, str) and is_decimal_text(value.strip()))
        ):
            self.error(where, f"must be {hint}, got {describe_value(value)}")
            return None
        number = Decimal(str(value).strip())
        if (low is not None and number < low) or (high is not None and number > high):
            self.error(where, f"must be {hint}, got {describe_value(value)}")
            return None
        return number

    def integer(self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True,
                minimum: int = 0, example: str = "2") -> int | None:
        value = data.get(key, MISSING)
        where = join(path, key)
        hint = f"a whole number of at least {minimum} such as {example}"
        if value is MISSING or value is None:
            if required:
                self.error(where, f"required ({hint})")
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.error(where, f"must be {hint}, got {describe_value(value)}")
            return None
        return value

    def boolean(self, data: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
        value = data.get(key, MISSING)
        if value is MISSING or value is None:
            return default
        if not isinstance(value, bool):
            self.error(join(path, key), f"must be true or false, got {describe_value(value)}")
            return default
        return value

    def day(self, data: Mapping[str, Any], key: str, path: str, *,
            required: bool = True) -> date | None:
        value = data.get(key, MISSING)
        where = join(path, key)
        if value is MISSING or value is None:
            if required:
                self.error(where, 'required (a date such as "2026-03-01")')
            return None
        return self.day_value(value, where)

    def day_value(self, value: Any, where: str) -> date | None:
        if isinstance(value, datetime):
            self.error(where, f'must be a date such as "2026-03-01", got a date and time {value}')
            return None
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.error(where, f'must be a date such as "2026-03-01", got {describe_value(value)}')
        return None

    def choice(self, data: Mapping[str, Any], key: str, path: str, choices: tuple[str, ...], *,
               default: str | None = None) -> str | None:
        value = data.get(key, MISSING)
        where = join(path, key)
        if value is MISSING or value is None:
            if default is None:
                self.error(where, f"required (one of: {', '.join(choices)})")
            return default
        if value not in choices:
            self.error(where, f"must be one of: {', '.join(choices)}; got {describe_value(value)}")
            return None
        return str(value)

    def codes(self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True,
              example: str = "HDM") -> tuple[str, ...] | None:
        value = data.get(key, MISSING)
        where = join(path, key)
        if value is MISSING or value is None:
            if required:
                self.error(where, f'required (a list of codes such as ["{example}"])')
            return None
        items = self.sequence(value, where, f'codes such as ["{example}"]')
        if items is None:
            return None
        result: list[str] = []
        for index, item in enumerate(items):
            if not isinstance(item, str) or not item.strip():
                self.error(join(where, index), f"must be a code (text), got {describe_value(item)}")
            else:
                result.append(item)
        return tuple(result)
