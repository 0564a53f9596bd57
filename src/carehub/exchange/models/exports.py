"""An organisation's export of all its own records: one row per bundle, made by a job
(`exchange.tasks_export`) and kept as a zip under VAR_DIR/exports/ until deleted."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager

__all__ = ["Export", "ExportFormat"]


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    PARQUET = "parquet", "Parquet"


class Export(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE,
                                     related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    format = models.CharField(max_length=8, choices=ExportFormat.choices)
    job = models.OneToOneField("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The bundle's file name under VAR_DIR/exports/<organisation id>/, once written.
    file_name = models.CharField(max_length=120, blank=True)
    size = models.BigIntegerField(null=True, blank=True, help_text="bytes of the zip")
    rows = models.BigIntegerField(null=True, blank=True, help_text="rows over all tables")
    members = models.BigIntegerField(null=True, blank=True, help_text="members exported")
    sha256 = models.CharField(max_length=64, blank=True, help_text="of the zip")

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organisation", "-created_at"], name="export_org_recent")]

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.format})"

    @property
    def ready(self) -> bool:
        return bool(self.file_name) and self.finished_at is not None
