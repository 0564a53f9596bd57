"""Notifications and each person's choice of how to get them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from carehub.notifications.kinds import Channel, Kind


class DigestState(models.TextChoices):
    NONE = "", "Not in a digest"
    PENDING = "pending", "Waiting for the next digest"
    SENT = "sent", "Sent in a digest"
    SKIPPED = "skipped", "Read before the digest went"


def render(text: str, count: int) -> str:
    """A title or body written for any count: `{count}` the number, `{s}` a plural
    noun's ending, `{-s}` a singular verb's ending ("1 escalation waits", "2 wait")."""
    return (text.replace("{count}", f"{count:,}").replace("{s}", "" if count == 1 else "s")
            .replace("{-s}", "s" if count == 1 else ""))


class Notification(models.Model):
    """One thing one person is told. The title and body are safe for anyone who can see
    the recipient's screen (counts, organisations, roles; never a member's details);
    what lies behind is on the linked page, which checks access as always."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notifications")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE,
                                     null=True, blank=True, related_name="+",
                                     help_text="the organisation it concerns")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    title = models.CharField(max_length=300, help_text="see `render`: may hold {count}")
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True, help_text="a path on this site")
    count = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    digest_state = models.CharField(max_length=8, choices=DigestState.choices, blank=True,
                                    default=DigestState.NONE)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-updated_at"], name="notif_inbox"),
            models.Index(fields=["recipient", "kind", "link", "created_at"], name="notif_merge"),
            models.Index(fields=["digest_state", "recipient"], name="notif_digest"),
        ]

    def __str__(self) -> str:
        return self.heading

    @property
    def heading(self) -> str:
        return render(self.title, self.count)

    @property
    def text(self) -> str:
        return render(self.body, self.count)

    @property
    def unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(models.Model):
    """A person's channel for one kind; a kind without a row uses `kinds.DEFAULTS`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notification_preferences")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"],
                                               name="notification_preference_once")]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} -> {self.channel}"


class Reminder(models.Model):
    """A notice a periodic check already gave (e.g. "contract 12 ending 2026-12-31, 30
    days"): running the check again, or twice a day, tells nobody twice."""

    key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
