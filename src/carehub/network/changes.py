"""Which fields of a model instance differ from its stored row: the detail of an audit event.

Only field names are recorded, not values: free-text fields can be long and values are
visible on the page itself; the audit answers who changed what, and when.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models


def changed_fields(instance: models.Model, fields: Iterable[str] | None = None) -> list[str]:
    """Names of concrete fields whose value differs from the database row (all, if new).

    Reads through the base manager (not the scoped one) because the caller already holds
    an instance it was allowed to load; row-level security still applies.
    """
    names = list(fields) if fields is not None else [
        f.attname for f in instance._meta.concrete_fields
        if not f.primary_key and not getattr(f, "auto_now", False)
        and not getattr(f, "auto_now_add", False)
    ]
    if instance._state.adding or instance.pk is None:
        return names
    model = type(instance)
    stored = model._base_manager.filter(pk=instance.pk).values(*names).first()
    if stored is None:
        return names
    return [name for name in names if stored[name] != getattr(instance, name)]
