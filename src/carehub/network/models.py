"""The network directory: organisations' services, sites, coverage, languages and capacity.

Ids are UUIDs because Open Referral HSDS 3.0 requires them. Fields an HSDS document
carries that carehub has no column for are kept in `hsds_extra`, so an imported
document can be exported again without loss (see `carehub.network.hsds`).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager

from carehub.network.visibility import DirectoryOrganisationField

STALE_AFTER_DAYS = 90
VISIBLE = "organisation__directory_visible_to"


class ServiceType(models.Model):
    """Reference data: the 13 service types of the scope-of-work guide, plus local ones."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class CapacityStatus(models.TextChoices):
    ACCEPTING = "accepting", "Accepting"
    WAITLIST = "waitlist", "Waitlist"
    CLOSED = "closed", "Closed"


class ServiceStatus(models.TextChoices):
    # HSDS 3.0 service.status values.
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    DEFUNCT = "defunct", "Defunct"
    TEMPORARILY_CLOSED = "temporarily closed", "Temporarily closed"


class LocationType(models.TextChoices):
    PHYSICAL = "physical", "Physical"
    POSTAL = "postal", "Postal"
    VIRTUAL = "virtual", "Virtual"


class OrganisationProfile(models.Model):
    """An organisation's directory entry (HSDS `organization`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = DirectoryOrganisationField(
        "tenancy.Organisation", on_delete=models.CASCADE, related_name="directory_profiles",
    )
    description = models.TextField(blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    hsds_extra = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organisation=VISIBLE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="one_directory_profile")
        ]

    def __str__(self) -> str:
        return f"Directory entry of {self.organisation}"


class Location(models.Model):
    """A site (HSDS `location` with its address)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = DirectoryOrganisationField(
        "tenancy.Organisation", on_delete=models.CASCADE, related_name="directory_locations",
    )
    name = models.CharField(max_length=200)
    location_type = models.CharField(
        max_length=10, choices=LocationType.choices, default=LocationType.PHYSICAL
    )
    address_id = models.UUIDField(default=uuid.uuid4, editable=False)
    address_1 = models.CharField("street address", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state_province = models.CharField("state", max_length=60, blank=True)
    postal_code = models.CharField("zip code", max_length=20, blank=True)
    county = models.CharField(max_length=100, blank=True, help_text="As `Name, ST`.")
    country = models.CharField(max_length=2, default="US")
    phone = models.CharField(max_length=40, blank=True)
    hours = models.CharField(max_length=300, blank=True, help_text="Opening hours, in words.")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    hsds_extra = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organisation=VISIBLE)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def one_line_address(self) -> str:
        parts = [self.address_1, self.city, f"{self.state_province} {self.postal_code}".strip()]
        return ", ".join(p for p in parts if p)


class Service(models.Model):
    """A service an organisation offers, with coverage, languages and capacity."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = DirectoryOrganisationField(
        "tenancy.Organisation", on_delete=models.CASCADE, related_name="directory_services",
    )
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE
    )
    languages = models.JSONField(default=list, blank=True, help_text="Language names.")
    coverage_counties = models.JSONField(default=list, blank=True, help_text="`Name, ST` each.")
    coverage_zips = models.JSONField(default=list, blank=True)
    eligibility_description = models.TextField("eligibility notes", blank=True)
    hours = models.CharField(max_length=300, blank=True, help_text="When the service runs.")
    unit = models.CharField(max_length=40, blank=True, help_text="Unit of service, e.g. meal.")
    capacity_per_month = models.PositiveIntegerField(null=True, blank=True)
    capacity_status = models.CharField(
        max_length=10, choices=CapacityStatus.choices, default=CapacityStatus.ACCEPTING
    )
    waitlist_length = models.PositiveIntegerField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hsds_extra = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organisation=VISIBLE)

    class Meta:
        ordering = ["organisation__name", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    @property
    def is_stale(self) -> bool:
        """Not verified in the last 90 days (or never)."""
        if self.verified_at is None:
            return True
        return timezone.now() - self.verified_at > timedelta(days=STALE_AFTER_DAYS)


class ServiceAtLocation(models.Model):
    """A service delivered at a site (HSDS `service_at_location`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="at_locations")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="services_here")
    description = models.TextField(blank=True)
    hsds_extra = models.JSONField(default=dict, blank=True)

    objects = ScopedManager(organisation="service__" + VISIBLE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "location"], name="service_at_location_once")
        ]

    def __str__(self) -> str:
        return f"{self.service.name} at {self.location.name}"
