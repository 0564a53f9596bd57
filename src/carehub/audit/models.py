"""Append-only, hash-chained audit events.

Each event stores the hash of the one before it, so a changed, removed or inserted row
breaks the chain at a place `carehub audit verify` names. On PostgreSQL a trigger refuses
updates and deletes outright.
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
    seq = models.BigIntegerField(unique=True, editable=False)
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
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["organisation", "-seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """One row: the last sequence number and hash. Locked to append in order."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit chain head at {self.last_seq}"
