"""`{{ delta|duration }}`: a timedelta as a person reads it (2 h 05 min, 3 min 07 s, 12 s)."""

from __future__ import annotations

from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def duration(value: timedelta | None) -> str:
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {seconds:02d} s"
    return f"{seconds} s"


@register.filter
def count(value: int | None) -> str:
    """A whole number with thousands separators (12,500)."""
    return "" if value is None else f"{int(value):,}"
