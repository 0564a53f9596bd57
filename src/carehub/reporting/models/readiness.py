"""Tables of the readiness area: CBO readiness assessments and their answers, the
technical-assistance plan, capacity-building funds and the hub's resource library.

Rows name the hub and the CBO outright, so selectors filter by the acting organisation
and row-level security (migration 0006) can say who sees what without joins.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from carehub.reporting.readiness_questions import ANSWERS, DOMAINS

__all__ = ["CapacityFund", "DocumentKind", "ReadinessAnswer", "ReadinessAssessment",
           "ResourceDocument", "TaStatus", "TaTask"]

DOMAIN_CHOICES = [(d.key, d.label) for d in DOMAINS]


class ReadinessAssessment(models.Model):
    hub = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    cbo = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    assessed_on = models.DateField()
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    notes = models.TextField(blank=True)
    # Scores kept with the answers so history lists do not recount (readiness_questions).
    overall = models.PositiveSmallIntegerField(default=0)
    by_domain = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assessed_on", "-pk"]
        indexes = [models.Index(fields=["cbo", "assessed_on"])]

    def __str__(self) -> str:
        return f"Readiness of {self.cbo} on {self.assessed_on}"


class ReadinessAnswer(models.Model):
    assessment = models.ForeignKey(ReadinessAssessment, on_delete=models.CASCADE,
                                   related_name="answers")
    domain = models.CharField(max_length=20, choices=DOMAIN_CHOICES)
    question = models.CharField(max_length=40)
    value = models.PositiveSmallIntegerField(choices=ANSWERS,
                                             validators=[MaxValueValidator(2)])
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "question"],
                                               name="readiness_answer_once")]

    def __str__(self) -> str:
        return f"{self.question}: {self.value}"


class CapacityFund(models.Model):
    """Upfront funding a hub or plan gives a CBO, paid as milestones of a fixed-price
    contract (`contract`) that the payment engine settles."""

    hub = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    cbo = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    funder = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT,
                               related_name="+")
    amount = models.DecimalField(max_digits=12, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    purpose = models.CharField(max_length=300)
    contract = models.OneToOneField("contracts.Contract", on_delete=models.PROTECT,
                                    related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.purpose} ({self.contract.code})"


class TaStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


class TaTask(models.Model):
    """A technical-assistance task. With a fund and an amount it is a milestone of the
    fund's contract: marking it done records the milestone the engine pays."""

    hub = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    cbo = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    assessment = models.ForeignKey(ReadinessAssessment, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="tasks")
    domain = models.CharField(max_length=20, choices=DOMAIN_CHOICES, blank=True)
    title = models.CharField(max_length=120)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    owner_name = models.CharField(max_length=120, blank=True,
                                  help_text="When the owner has no account here.")
    due = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=TaStatus.choices, default=TaStatus.OPEN)
    done_on = models.DateField(null=True, blank=True)
    fund = models.ForeignKey(CapacityFund, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="milestones")
    milestone_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True,
                                           blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status", "due", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "title"], name="ta_milestone_name_once"),
            models.CheckConstraint(
                condition=models.Q(fund__isnull=True, milestone_amount__isnull=True)
                | models.Q(fund__isnull=False, milestone_amount__isnull=False),
                name="ta_milestone_has_fund_and_amount"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def owner_text(self) -> str:
        if self.owner_id and self.owner is not None:
            return str(self.owner.get_full_name() or self.owner.get_username())
        return self.owner_name


class DocumentKind(models.TextChoices):
    CONTRACT_TEMPLATE = "contract_template", "Contract template"
    SCOPE_TEMPLATE = "scope_template", "Scope-of-work template"
    PAYMENT_TERMS_TEMPLATE = "payment_terms_template", "Payment-terms template"
    EXAMPLE_MODEL = "example_model", "Example payment model"
    GUIDE = "guide", "Guide"


class ResourceDocument(models.Model):
    """A document of a hub's resource library: written here (`text`) or uploaded (stored
    under VAR_DIR at `stored_name`). Shared ones are readable by the hub's network CBOs."""

    hub = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=DocumentKind.choices)
    description = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True)
    filename = models.CharField(max_length=200, blank=True)
    stored_name = models.CharField(max_length=80, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    shared = models.BooleanField("shared with the network", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "title", "pk"]

    def __str__(self) -> str:
        return self.title
