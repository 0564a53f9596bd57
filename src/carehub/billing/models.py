"""Billing tables.

Statements are issued once and never changed (a trigger refuses UPDATE and DELETE on
PostgreSQL; `save` and `delete` refuse it everywhere): a closed period is corrected by a
further, adjustment statement. Member-level lines (`BillLine`) are built from service
deliveries, checked by the edits, corrected by the CBO, then submitted on a `Bill` (a
claim of at most 50 lines, or an aggregate invoice) inside a `Submission` (one 837P file
or one invoice run). The payer decides on bills; 835 files (`Remittance`) post payments;
the hub pays its CBOs (`CboPayout`) less its fee.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager


class ImmutableError(Exception):
    """An issued record was about to be changed."""


class ImmutableQuerySet(models.QuerySet):
    """No update path in bulk either: `update`, `bulk_update` and `delete` refuse."""

    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise ImmutableError(f"{self.model.__name__} rows are issued and cannot change")

    def bulk_update(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise ImmutableError(f"{self.model.__name__} rows are issued and cannot change")

    def delete(self):  # type: ignore[no-untyped-def]
        raise ImmutableError(f"{self.model.__name__} rows are issued and cannot be deleted")


ImmutableManager = models.Manager.from_queryset(ImmutableQuerySet)


class Immutable(models.Model):
    """Written once: no update path, no delete."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise ImmutableError(f"{type(self).__name__} {self.pk} is issued and cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise ImmutableError(f"{type(self).__name__} {self.pk} is issued and cannot be deleted")


# --- fee schedules -----------------------------------------------------------------


class FeeSchedule(models.Model):
    """A fee schedule: shipped (owner empty) or loaded by a hub from CSV."""

    name = models.CharField(max_length=120)
    owner = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    description = models.CharField(max_length=300, blank=True)
    source_filename = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="fee_schedule_name_once")]

    def __str__(self) -> str:
        return self.name


class FeeScheduleRow(models.Model):
    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField()
    service = models.CharField(max_length=200)
    code = models.CharField(max_length=5, blank=True)
    modifiers = models.CharField(max_length=20, blank=True, help_text="space separated, sorted")
    unit = models.CharField(max_length=60, blank=True)
    rate = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    effective = models.DateField(null=True, blank=True, help_text="empty: no known start")
    ends = models.DateField(null=True, blank=True)
    per_day = models.PositiveIntegerField(null=True, blank=True)
    per_period = models.PositiveIntegerField(null=True, blank=True)
    per_episode = models.PositiveIntegerField(null=True, blank=True)
    verification = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=400, blank=True)
    notes = models.CharField(max_length=400, blank=True)

    class Meta:
        ordering = ["schedule", "position"]
        indexes = [models.Index(fields=["schedule", "code"], name="fee_row_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.modifiers}".strip()


class ContractBilling(models.Model):
    """How a contract bills: its fee schedule, filing window and defaults."""

    contract = models.OneToOneField("contracts.Contract", on_delete=models.CASCADE,
                                    related_name="billing")
    fee_schedule = models.ForeignKey(FeeSchedule, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+")
    timely_filing_days = models.PositiveIntegerField(default=365)
    eligible_products = models.CharField(max_length=200, blank=True,
                                         help_text="space separated; empty: every product")

    def __str__(self) -> str:
        return f"Billing for {self.contract_id}"


# --- statements --------------------------------------------------------------------


class StatementKind(models.TextChoices):
    ORIGINAL = "original", "Statement"
    ADJUSTMENT = "adjustment", "Adjustment"


class Statement(Immutable):
    """A settled period of a contract, issued once."""

    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="+")
    payer = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=7, help_text="YYYY-MM")
    period_start = models.DateField()
    period_end = models.DateField()
    sequence = models.PositiveIntegerField(help_text="1 the original, then each adjustment")
    kind = models.CharField(max_length=10, choices=StatementKind.choices)
    terms_version = models.ForeignKey("contracts.TermsVersion", on_delete=models.PROTECT,
                                      related_name="+")
    billing_mode = models.CharField(max_length=8)  # invoice | claims
    total = models.DecimalField(max_digits=14, decimal_places=2)
    by_mlr = models.JSONField(default=dict)
    document = models.JSONField(help_text="the statement as the engine gave it")
    activity_sha256 = models.CharField(max_length=64)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")
    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="+")

    objects = ScopedManager(ImmutableManager, organisation="contract__parties__organisation")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contract", "period", "sequence"],
                                               name="statement_sequence_once")]
        indexes = [models.Index(fields=["contract", "period"], name="statement_period")]

    def __str__(self) -> str:
        return f"Statement {self.pk}"


class StatementLine(Immutable):
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveIntegerField()
    component = models.CharField(max_length=60)
    label = models.CharField(max_length=300)
    quantity = models.CharField(max_length=40)
    rate = models.DecimalField(max_digits=14, decimal_places=4)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    basis = models.TextField()
    mlr = models.CharField(max_length=8)

    objects = ScopedManager(ImmutableManager, organisation="statement__contract__parties__organisation")

    class Meta:
        ordering = ["statement", "position"]

    def __str__(self) -> str:
        return f"Statement line {self.pk}"


# --- member-level lines, bills and submissions ---------------------------------------


class LineStatus(models.TextChoices):
    FAILING = "failing", "Needs a fix"
    READY = "ready", "Ready to bill"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"
    PENDED = "pended", "Question from the payer"
    PAID = "paid", "Paid"


class BillStatus(models.TextChoices):
    SUBMITTED = "submitted", "Waiting for review"
    PENDED = "pended", "Question to the hub"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"
    PARTIAL = "partial", "Partly paid"
    PAID = "paid", "Paid"
    REVERSED = "reversed", "Payment reversed"


class Submission(models.Model):
    """One month of a contract sent to the payer: an 837P file or an invoice run."""

    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="+")
    payer = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    hub = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=7)
    mode = models.CharField(max_length=8)  # invoice | claims
    control_number = models.PositiveIntegerField()
    document = models.TextField(blank=True, help_text="the 837P as sent (claims mode)")
    sha256 = models.CharField(max_length=64, blank=True)
    check_result = models.CharField(max_length=20, blank=True)  # the 999's answer
    bills = models.PositiveIntegerField(default=0)
    lines = models.PositiveIntegerField(default=0)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")

    objects = ScopedManager(organisation="contract__parties__organisation")

    class Meta:
        indexes = [models.Index(fields=["contract", "period"], name="submission_period")]

    def __str__(self) -> str:
        return f"Submission {self.pk}"


class Bill(models.Model):
    """What the payer reviews: a member's claim (at most 50 lines) or a CBO's invoice."""

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="bill_set")
    kind = models.CharField(max_length=8)  # claim | invoice
    number = models.CharField(max_length=20, unique=True, help_text="CLM01 or invoice number")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="+")
    payer = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    hub = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    cbo = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+")
    period = models.CharField(max_length=7)
    services = models.CharField(max_length=200, blank=True, help_text="service codes, space separated")
    first_service = models.DateField()
    last_service = models.DateField()
    line_count = models.PositiveIntegerField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    status = models.CharField(max_length=10, choices=BillStatus.choices,
                              default=BillStatus.SUBMITTED)
    submitted_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    reason_code = models.CharField(max_length=10, blank=True)
    question = models.TextField(blank=True)
    answer = models.TextField(blank=True)
    paid_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    paid_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organisation="contract__parties__organisation")

    class Meta:
        indexes = [
            models.Index(fields=["payer", "status", "submitted_at"], name="bill_queue"),
            models.Index(fields=["payer", "cbo", "status"], name="bill_queue_cbo"),
            # The review queue sorted by amount.
            models.Index(fields=["payer", "status", "amount"], name="bill_queue_amount"),
            models.Index(fields=["hub", "period"], name="bill_hub_period"),
            models.Index(fields=["cbo", "period"], name="bill_cbo_period"),
        ]

    def __str__(self) -> str:
        return f"Bill {self.number}"


class BillLine(models.Model):
    """A member-level service line: built from a delivery, checked, fixed, billed."""

    delivery = models.OneToOneField("referrals.ServiceDelivery", on_delete=models.PROTECT,
                                    related_name="bill_line")
    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="+")
    payer = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    hub = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    cbo = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=7)
    service_code = models.CharField(max_length=32)
    service_date = models.DateField()
    hcpcs = models.CharField(max_length=5, blank=True)
    modifiers = models.CharField(max_length=20, blank=True, help_text="space separated")
    units = models.PositiveIntegerField()
    rate = models.DecimalField(max_digits=14, decimal_places=4)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    place_of_service = models.CharField(max_length=2, blank=True)
    diagnosis_codes = models.CharField(max_length=60, blank=True, help_text="space separated")
    status = models.CharField(max_length=10, choices=LineStatus.choices, default=LineStatus.FAILING)
    # [{"code": "E13", "field": "diagnosis_codes", "message": "...", "fix": "..."}]
    failures = models.JSONField(default=list, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="lines")
    paid_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    adjustments = models.JSONField(default=list, blank=True)  # CAS from the 835
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")

    objects = ScopedManager(organisation="contract__parties__organisation")

    class Meta:
        indexes = [
            models.Index(fields=["cbo", "period", "status"], name="billline_cbo"),
            models.Index(fields=["contract", "period", "status"], name="billline_contract"),
            models.Index(fields=["member", "hcpcs", "service_date"], name="billline_duplicate"),
            # The review queue's "has edit notes" filter: the few lines with notes.
            models.Index(fields=["bill"], condition=~models.Q(failures=[]), name="billline_noted"),
        ]

    def __str__(self) -> str:
        return f"Bill line {self.pk}"


class BillDecision(Immutable):
    """Every payer decision and every hub answer, in order."""

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="decisions")
    action = models.CharField(max_length=10)  # approve | deny | pend | answer
    reason_code = models.CharField(max_length=10, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                           blank=True, related_name="+")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT,
                                     related_name="+")

    objects = ScopedManager(ImmutableManager, organisation="bill__contract__parties__organisation")

    class Meta:
        ordering = ["bill", "at", "pk"]

    def __str__(self) -> str:
        return f"Decision {self.pk}"


# --- remittance and paying CBOs ------------------------------------------------------


class Remittance(models.Model):
    """One 835 file posted by the hub; the same file posted again changes nothing."""

    hub = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    payer = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    sha256 = models.CharField(max_length=64)
    trace_number = models.CharField(max_length=50)
    filename = models.CharField(max_length=200, blank=True)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    paid_on = models.DateField(null=True, blank=True)
    matched = models.PositiveIntegerField(default=0)
    unmatched = models.JSONField(default=list, blank=True)
    posted_at = models.DateTimeField()
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")

    objects = ScopedManager(organisation="hub")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hub", "sha256"], name="remittance_once")]

    def __str__(self) -> str:
        return f"Remittance {self.trace_number}"


class RemittanceItem(models.Model):
    remittance = models.ForeignKey(Remittance, on_delete=models.CASCADE, related_name="items")
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="remittance_items")
    claim_number = models.CharField(max_length=38)
    status_code = models.CharField(max_length=2)
    charged = models.DecimalField(max_digits=14, decimal_places=2)
    paid = models.DecimalField(max_digits=14, decimal_places=2)
    payer_control_number = models.CharField(max_length=50, blank=True)
    adjustments = models.JSONField(default=list, blank=True)
    reversal = models.BooleanField(default=False)

    objects = ScopedManager(organisation="remittance__hub")

    def __str__(self) -> str:
        return f"Remittance item {self.pk}"


class PayoutStatus(models.TextChoices):
    ISSUED = "issued", "Issued"
    PAID = "paid", "Paid"


class CboPayout(models.Model):
    """What the hub owes a CBO for a contract month: approved or paid less the hub's fee."""

    hub = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    cbo = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=7)
    sequence = models.PositiveIntegerField(default=1)
    fee_percent = models.DecimalField(max_digits=5, decimal_places=2)
    gross = models.DecimalField(max_digits=14, decimal_places=2)
    fee = models.DecimalField(max_digits=14, decimal_places=2)
    net = models.DecimalField(max_digits=14, decimal_places=2)
    document = models.JSONField(help_text="the lines and their arithmetic")
    status = models.CharField(max_length=8, choices=PayoutStatus.choices, default=PayoutStatus.ISSUED)
    issued_at = models.DateTimeField()
    paid_on = models.DateField(null=True, blank=True)
    payment_reference = models.CharField(max_length=60, blank=True)

    objects = ScopedManager(organisation="contract__parties__organisation")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cbo", "contract", "period", "sequence"],
                                               name="payout_sequence_once")]

    def __str__(self) -> str:
        return f"Payout {self.pk}"
