"""A plan's payer extracts, its saved eligibility criteria and the runs that applied one
to the other. Everything here belongs to one plan: other organisations never read it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager


class Dataset(models.Model):
    """A roster extract and a claims extract, stored under VAR_DIR/datasets/<plan>/."""

    class Source(models.TextChoices):
        UPLOAD = "upload", "Uploaded"
        DELIVERED = "delivered", "Delivered"

    plan = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.UPLOAD)
    # Paths relative to settings.VAR_DIR, so a moved var folder keeps working.
    roster_path = models.CharField(max_length=400)
    roster_name = models.CharField(max_length=200, help_text="the file's name as uploaded")
    roster_sha256 = models.CharField(max_length=64)
    roster_rows = models.BigIntegerField()
    roster_columns = models.JSONField(default=list)
    claims_path = models.CharField(max_length=400)
    claims_name = models.CharField(max_length=200)
    claims_sha256 = models.CharField(max_length=64)
    claims_rows = models.BigIntegerField()
    claims_columns = models.JSONField(default=list)
    # The extract's period: the claims' first and last service dates.
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organisation="plan")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name


class CriteriaSet(models.Model):
    """One version of a named criteria file; saving a changed file adds a version."""

    plan = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    version = models.PositiveIntegerField()
    yaml = models.TextField()
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organisation="plan")

    class Meta:
        ordering = ["name", "-version"]
        constraints = [models.UniqueConstraint(fields=["plan", "name", "version"],
                                               name="criteria_version_once")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class EligibilityRun(models.Model):
    """One application of criteria to a dataset: what went in (the criteria text and its
    hash, the files' checksums, the engine) and what came out (counts, equity, the ranked
    list as a Parquet file and its hash), so the list can be made again and compared."""

    plan = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="runs")
    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="runs")
    criteria_name = models.CharField(max_length=120)
    criteria_yaml = models.TextField()
    criteria_sha256 = models.CharField(max_length=64)
    as_of = models.DateField()
    roster_sha256 = models.CharField(max_length=64)
    claims_sha256 = models.CharField(max_length=64)
    engine_version = models.CharField(max_length=200, blank=True)
    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="+")
    rerun_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="reruns")
    members_read = models.BigIntegerField(null=True, blank=True)
    members_eligible = models.BigIntegerField(null=True, blank=True)
    members_selected = models.BigIntegerField(null=True, blank=True)
    equity = models.JSONField(default=dict, blank=True)
    rank_measures = models.JSONField(default=list, blank=True)
    output_path = models.CharField(max_length=400, blank=True)
    # sha256 of the list itself (member, rank, selected, reasons, measures), not the file's
    # bytes: two runs giving the same list have the same hash whatever the writer.
    list_sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organisation="plan")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Eligibility run {self.pk} ({self.criteria_name})"

    @property
    def finished(self) -> bool:
        return bool(self.list_sha256)


class Handoff(models.Model):
    """Selected members of a run handed to a hub as a ranked list, and what came of it."""

    run = models.ForeignKey(EligibilityRun, on_delete=models.PROTECT, related_name="handoffs")
    plan = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    hub = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    contract_code = models.CharField(max_length=64)
    service_code = models.CharField(max_length=32)
    members = models.PositiveIntegerField()
    ranked_list = models.ForeignKey("referrals.RankedList", on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="+")
    # {"created": n, "skipped": [[reason, n]], "refused": [[member id, name, why]]}
    outcome = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organisation="plan")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Handoff {self.pk} of run {self.run_id}"
