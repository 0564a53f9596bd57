"""Reading notifications: always the signed-in person's own (row-level security says the
same on PostgreSQL)."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404

from carehub.notifications.kinds import DEFAULTS, WHO, Channel, Kind
from carehub.notifications.models import Notification, NotificationPreference


def inbox(user: Any) -> QuerySet[Notification]:
    """The user's notifications, unread first, the latest first within each."""
    return (Notification.objects.filter(recipient=user).select_related("organisation")
            .annotate(unread_first=Case(When(read_at__isnull=True, then=Value(0)),
                                        default=Value(1), output_field=IntegerField()))
            .order_by("unread_first", "-updated_at", "-pk"))


def unread_count(user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def get_notification(user: Any, pk: int) -> Notification:
    """One of the user's notifications, or 404 (another person's is not disclosed)."""
    row = Notification.objects.filter(recipient=user, pk=pk).first()
    if row is None:
        raise Http404("Not found")
    return row


def preferences(user: Any) -> list[dict[str, Any]]:
    """Each kind with its description and the user's channel (their choice or the
    default), for the preferences page."""
    chosen = dict(NotificationPreference.objects.filter(user=user)
                  .values_list("kind", "channel"))
    return [{"kind": kind.value, "label": kind.label, "who": WHO[kind],
             "channel": chosen.get(kind.value, DEFAULTS[kind]),
             "default": DEFAULTS[kind], "default_label": Channel(DEFAULTS[kind]).label}
            for kind in Kind]
