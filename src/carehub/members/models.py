"""Plan members and who may see them.

A member belongs to one plan (a payer organisation). Other organisations see a member
only through a MemberAccess grant (made when a member is referred to them), which is
what django-scopes and row-level security both filter on.
"""

from __future__ import annotations

from django.db import models
from django_scopes import ScopedManager


def format_phone(digits: str) -> str:
    """10 stored digits as (716) 555-0142; anything else as it is."""
    if len(digits) == 10 and digits.isdigit():
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return digits


class Product(models.TextChoices):
    MEDICAID = "medicaid", "Medicaid"
    MEDICARE_ADVANTAGE = "medicare_advantage", "Medicare Advantage"
    DSNP = "dsnp", "Dual-eligible special needs plan"
    COMMERCIAL = "commercial", "Commercial"


class Member(models.Model):
    plan = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="members")
    member_id = models.CharField("plan member id", max_length=64)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    birth_date = models.DateField()
    sex = models.CharField(max_length=1, choices=[("F", "Female"), ("M", "Male"), ("U", "Unknown")])
    race = models.CharField(max_length=80, blank=True)
    ethnicity = models.CharField(max_length=80, blank=True)
    language = models.CharField(max_length=40, blank=True)
    address = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    county = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    zip = models.CharField(max_length=10, blank=True)
    # For outreach: phones as 10 digits (members.imports strips punctuation), optional.
    phone = models.CharField(max_length=10, blank=True)
    phone_alt = models.CharField("other phone", max_length=10, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    product = models.CharField(max_length=24, choices=Product.choices)
    pcp_npi = models.CharField(max_length=10, blank=True)
    risk_score = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    hospice = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organisation="access__organisation")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "member_id"], name="member_once_per_plan")
        ]
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.member_id})"

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)

    @property
    def phone_alt_display(self) -> str:
        return format_phone(self.phone_alt)


class EnrolmentSpan(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="enrolment_spans")
    start = models.DateField()
    end = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(fields=["member", "start"], name="span_once")
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.start}..{self.end or 'open'}"


class MemberAccess(models.Model):
    """An organisation may see a member: the plan always; hubs and CBOs once referred."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="access")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=40, default="plan")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "organisation"], name="member_access_once")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} sees {self.member_id} ({self.reason})"
