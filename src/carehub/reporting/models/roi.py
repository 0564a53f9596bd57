"""Tables of the roi area: ROI runs over the plan's extracts, the social measures the
partners define per contract, and renewal decisions. Each row names the contract's payer
and provider (the hub) so row-level security can limit it to them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

__all__ = ["RenewalDecision", "RoiRun", "RoiStatus", "SocialMeasure"]


class RoiStatus(models.TextChoices):
    QUEUED = "queued", "Waiting"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class RoiRun(models.Model):
    """One estimate of a contract's ROI: its inputs, windows and the result (JSON of
    `analytics.roi.run_roi`, money and rates as strings)."""

    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="+")
    payer = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    hub = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    dataset = models.ForeignKey("population.Dataset", on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="+")
    roster_path = models.CharField(max_length=400)
    claims_path = models.CharField(max_length=400)
    engine = models.CharField(max_length=10, default="duckdb")
    baseline_months = models.PositiveSmallIntegerField(default=6)
    follow_up_months = models.PositiveSmallIntegerField(default=6)
    bootstrap = models.PositiveIntegerField(default=1000)
    seed = models.BigIntegerField(default=20260101)
    paid_given = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True,
                                     help_text="paid to the hub and CBOs, when given by hand")
    status = models.CharField(max_length=10, choices=RoiStatus.choices, default=RoiStatus.QUEUED)
    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="+")
    results = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["contract", "-created_at"], name="roi_run_contract")]

    def __str__(self) -> str:
        return f"ROI run {self.pk} ({self.status})"


class SocialMeasure(models.Model):
    """A social return the partners agreed to count, e.g. meals delivered (units of a
    service code) or housing secured (completed housing pathways)."""

    class Counts(models.TextChoices):
        SERVICE_UNITS = "service_units", "Units of service deliveries of a service code"
        PATHWAYS_COMPLETED = "pathways_completed", "Completed pathways of a kind"
        NEEDS_MET = "needs_met", "Needs met in a domain"

    contract = models.ForeignKey("contracts.Contract", on_delete=models.CASCADE, related_name="+")
    payer = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    hub = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    counts = models.CharField(max_length=20, choices=Counts.choices)
    code = models.CharField(max_length=40, help_text="the service code, pathway kind or domain")
    unit = models.CharField(max_length=40, help_text="the unit word, e.g. meals, households")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    # Counted per period on demand (selectors.roi.social_counts); nothing is stored.

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contract", "name"],
                                               name="social_measure_once_per_contract")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RenewalDecision(models.Model):
    class Decision(models.TextChoices):
        RENEW = "renew", "Renew as it is"
        ADJUST = "adjust", "Renew with adjusted terms"
        SCALE = "scale", "Scale up"
        WIND_DOWN = "wind_down", "Wind down"

    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="+")
    payer = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    hub = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reasons = models.TextField()
    transition_plan = models.TextField(blank=True, help_text="required when winding down")
    members_to_transition = models.PositiveIntegerField(
        default=0, help_text="active members when the decision was recorded")
    roi_run = models.ForeignKey(RoiRun, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    decided_organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT,
                                             related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at"]
        constraints = [models.CheckConstraint(
            condition=~models.Q(decision="wind_down") | ~models.Q(transition_plan=""),
            name="wind_down_has_transition_plan")]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({self.decided_at:%Y-%m-%d})"
