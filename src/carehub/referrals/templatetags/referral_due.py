"""`due_status`: whether a due time has passed or falls within a day (`referrals.due`)."""

from __future__ import annotations

from datetime import datetime

from django import template

from carehub.referrals import due

register = template.Library()


@register.filter
def due_status(value: datetime | None) -> str:
    """"overdue", "soon" or "" for a due time, as of now."""
    return due.status(value)
