"""Append-only audit events, sealed into a keyed chain after the fact.

Requests only insert events (no lock, no read of the chain). `carehub audit seal` gives
each new event a chain position and an HMAC over the previous seal (`AuditSeal`), so a
changed, removed or inserted row is named by `carehub audit verify`. On PostgreSQL
triggers refuse updates and deletes on both tables.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager


class Action(models.TextChoices):
    VIEW = "view"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    EXPORT = "export"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"


class AuditEvent(models.Model):
    # Insertion number from the database sequence: taken without a lock, so it may have
    # gaps (rolled-back requests). The chain order is AuditSeal.position.
    seq = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    organisation = models.ForeignKey(
        "tenancy.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=100, blank=True)
    member_id = models.CharField(max_length=64, blank=True, db_index=True,
                                 help_text="carehub member id when the event concerns a member")
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["organisation", "-seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditSeal(models.Model):
    """An event's place in the chain: written once by the sealer, never changed."""

    position = models.BigIntegerField(primary_key=True)
    event = models.OneToOneField(AuditEvent, on_delete=models.PROTECT, related_name="seal")
    mac = models.CharField(max_length=64)
    key_id = models.CharField(max_length=16)
    sealed_at = models.DateTimeField(db_index=True)
    # The highest event seq sealed up to this position: where the sealer starts looking.
    high_event_seq = models.BigIntegerField()

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"seal {self.position} of event {self.event_id}"
