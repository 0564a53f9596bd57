"""Data sets a contract names, and each delivery with its receipt.

A data set is one file flow of a contract's scope of work: what (its kind), which way,
in which format, how often and by when, by which transport (the drop folder or SFTP),
and with whom (the counterparty organisation). Each file that comes in or goes out is a
`Delivery` holding its receipt: rows read, accepted and refused (with row, column and
message), its SHA-256 checksum and size, when it came and when it was processed, and
who or what delivered it. Both tables belong to the contract's parties (django-scopes
and row-level security in exchange 0002_deliveries).

SFTP secrets are never stored here: `sftp_secret` names where the private key or the
password is (`file:` a path under CAREHUB_VAR, or `env:` an environment variable).
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django_scopes import ScopedManager

__all__ = ["Cadence", "DataSet", "DataSetKind", "Delivery", "DeliveryStatus", "Direction",
           "FileFormat", "Transport"]

PARTY = "contract__parties__organisation"


class Direction(models.TextChoices):
    IN = "in", "Inbound (to carehub)"
    OUT = "out", "Outbound (from carehub)"


class DataSetKind(models.TextChoices):
    """What carehub can actually read or write; each kind has one direction."""

    MEMBER_LIST = "member_list", "Inbound member list (roster)"
    SERVICE_REPORT = "service_report", "Outbound service report"
    REFERRAL_STATUS = "referral_status", "Outbound referral status"


KIND_DIRECTION = {DataSetKind.MEMBER_LIST: Direction.IN,
                  DataSetKind.SERVICE_REPORT: Direction.OUT,
                  DataSetKind.REFERRAL_STATUS: Direction.OUT}


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (.xlsx)"
    PARQUET = "parquet", "Parquet"


class Cadence(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly (Monday to Sunday)"
    MONTHLY = "monthly", "Monthly"


class Transport(models.TextChoices):
    FOLDER = "folder", "Drop folder"
    SFTP = "sftp", "SFTP"


SECRET_REF = RegexValidator(
    r"^(file:[A-Za-z0-9_./-]+|env:[A-Za-z_][A-Za-z0-9_]*)$",
    "Write file:PATH (a file under CAREHUB_VAR) or env:NAME (an environment variable).")
FINGERPRINT = RegexValidator(
    r"^SHA256:[A-Za-z0-9+/]{43}=?$",
    "Write the server's host key fingerprint as ssh-keygen -lf prints it: SHA256:...")


class DataSet(models.Model):
    contract = models.ForeignKey("contracts.Contract", on_delete=models.CASCADE,
                                 related_name="+")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=DataSetKind.choices)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    format = models.CharField(max_length=8, choices=FileFormat.choices,
                              default=FileFormat.CSV)
    cadence = models.CharField(max_length=8, choices=Cadence.choices, default=Cadence.MONTHLY)
    due_days = models.PositiveSmallIntegerField(
        "due days after the period ends", default=5,
        validators=[MaxValueValidator(60)],
        help_text="The file for a period is due this many days after the period ends.")
    starts = models.DateField(help_text="The first period counted starts on or after this day.")
    transport = models.CharField(max_length=6, choices=Transport.choices,
                                 default=Transport.FOLDER)
    counterparty = models.ForeignKey(
        "tenancy.Organisation", on_delete=models.PROTECT, related_name="+",
        help_text="The organisation on the other side: it sends an inbound file, receives "
                  "an outbound one.")
    # The folder under CAREHUB_VAR/exchange/<counterparty slug>/, fixed when made.
    folder = models.CharField(max_length=140, editable=False)
    sftp_host = models.CharField("SFTP host", max_length=200, blank=True)
    sftp_port = models.PositiveIntegerField(
        "SFTP port", default=22, validators=[MinValueValidator(1), MaxValueValidator(65535)])
    sftp_username = models.CharField("SFTP user name", max_length=100, blank=True)
    sftp_path = models.CharField("SFTP remote folder", max_length=300, blank=True,
                                 help_text="Inbound: where files are picked up; outbound: "
                                           "where they are put.")
    sftp_secret = models.CharField(
        "SFTP key or password", max_length=200, blank=True, validators=[SECRET_REF],
        help_text="Where the private key or password is, never the secret itself: "
                  "file:exchange-keys/plan.key (under CAREHUB_VAR) or env:PLAN_SFTP_PASSWORD.")
    sftp_host_key = models.CharField(
        "SFTP host key fingerprint", max_length=60, blank=True, validators=[FINGERPRINT],
        help_text="The server's key, pinned: SHA256:... (ssh-keygen -lf). Any other key is "
                  "refused.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organisation=PARTY)

    class Meta:
        ordering = ["contract_id", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "name"], name="dataset_name_once"),
            models.CheckConstraint(
                condition=(Q(kind="member_list", direction="in")
                           | Q(kind__in=("service_report", "referral_status"),
                               direction="out")),
                name="dataset_kind_direction"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class DeliveryStatus(models.TextChoices):
    RECEIVED = "received", "Received, waiting"
    ACCEPTED = "accepted", "Accepted"
    REFUSED = "refused", "Refused"
    DUPLICATE = "duplicate", "Duplicate of an earlier delivery"
    SENT = "sent", "Sent"
    FAILED = "failed", "Could not be sent"


class Delivery(models.Model):
    """One file in or out, with its receipt."""

    data_set = models.ForeignKey(DataSet, on_delete=models.PROTECT, related_name="deliveries")
    # The data set's contract, kept here for the row-level security policy and scoping.
    contract = models.ForeignKey("contracts.Contract", on_delete=models.CASCADE,
                                 related_name="+")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.RECEIVED)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.BigIntegerField()
    # The period the file is for (its first and last day): outbound, the one written;
    # inbound, the latest period ended by the day it arrived (docs/exchange.md).
    period_start = models.DateField()
    period_end = models.DateField()
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    transport = models.CharField(max_length=6, choices=Transport.choices)
    delivered_by = models.CharField(max_length=200, help_text="Who or what delivered it.")
    rows_read = models.PositiveIntegerField(default=0)
    rows_accepted = models.PositiveIntegerField(default=0)
    rows_refused = models.PositiveIntegerField(default=0)
    # [[row, column, message], ...]: every problem found (at most 200).
    problems = models.JSONField(default=list, blank=True)
    message = models.CharField(max_length=500, blank=True)
    counts = models.JSONField(default=dict, blank=True)  # created, updated, unchanged ...
    duplicate_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    # Where the file is kept (done/, refused/ or out/), relative to CAREHUB_VAR.
    stored_path = models.CharField(max_length=500, blank=True)
    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="+")

    objects = ScopedManager(organisation=PARTY)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["data_set", "period_start"], name="delivery_period"),
                   models.Index(fields=["contract", "received_at"], name="delivery_contract")]
        constraints = [
            # Idempotence: one original per file content and data set.
            models.UniqueConstraint(fields=["data_set", "sha256"],
                                    condition=Q(duplicate_of__isnull=True),
                                    name="delivery_original_once"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def counts_on_time(self) -> bool:
        """A delivery that stands for its period: accepted, sent, or the same file again."""
        return self.status in (DeliveryStatus.ACCEPTED, DeliveryStatus.SENT,
                               DeliveryStatus.DUPLICATE)
