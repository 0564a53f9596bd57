"""Tenants: payers, hubs and CBOs; hub networks; who belongs to which organisation."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models


class OrganisationKind(models.TextChoices):
    PAYER = "payer", "Health plan"
    HUB = "hub", "Community care hub"
    CBO = "cbo", "Community-based organisation"


class Role(models.TextChoices):
    HUB_ADMIN = "hub_admin", "Hub administrator"
    HUB_COORDINATOR = "hub_coordinator", "Hub coordinator"
    CBO_SUPERVISOR = "cbo_supervisor", "CBO supervisor"
    CBO_WORKER = "cbo_worker", "CBO frontline worker"
    PAYER_MANAGER = "payer_manager", "Plan program manager"
    PAYER_ANALYST = "payer_analyst", "Plan analyst"
    AUDITOR = "auditor", "Auditor (read-only)"


# Which roles make sense in which kind of organisation.
ROLES_BY_KIND: dict[str, tuple[str, ...]] = {
    OrganisationKind.HUB: (Role.HUB_ADMIN, Role.HUB_COORDINATOR, Role.AUDITOR),
    OrganisationKind.CBO: (Role.CBO_SUPERVISOR, Role.CBO_WORKER, Role.AUDITOR),
    OrganisationKind.PAYER: (Role.PAYER_MANAGER, Role.PAYER_ANALYST, Role.AUDITOR),
}

npi_validator = RegexValidator(r"^\d{10}$", "An NPI has 10 digits.")
tin_validator = RegexValidator(r"^\d{2}-\d{7}$", "A TIN is written NN-NNNNNNN.")


class Organisation(models.Model):
    kind = models.CharField(max_length=8, choices=OrganisationKind.choices)
    name = models.CharField(max_length=200)
    legal_name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    npi = models.CharField("NPI", max_length=10, blank=True, validators=[npi_validator])
    tin = models.CharField("TIN", max_length=10, blank=True, validators=[tin_validator])
    medicaid_id = models.CharField("Medicaid provider id", max_length=32, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Network(models.Model):
    """A hub's community care network: the CBOs it subcontracts."""

    hub = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="networks",
        limit_choices_to={"kind": OrganisationKind.HUB},
    )
    name = models.CharField(max_length=200)
    admin_fee_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="The hub's administrative fee, kept from what the payer pays before CBOs are paid.",
    )
    cbos: models.ManyToManyField = models.ManyToManyField(
        Organisation, through="NetworkMember", related_name="member_of"
    )

    def __str__(self) -> str:
        return self.name


class NetworkStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class NetworkMember(models.Model):
    """A CBO in a hub's network. It takes part (receives work, is administered by the
    hub) only once accepted: onboarded by the hub that created it, or an existing CBO
    that accepted the hub's invitation. A new row is an invitation: the secure default."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="memberships")
    cbo = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, limit_choices_to={"kind": OrganisationKind.CBO}
    )
    joined = models.DateField(null=True, blank=True)
    left = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=NetworkStatus.choices,
                              default=NetworkStatus.INVITED)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    invited_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    onboarded_by_hub = models.BooleanField(
        default=False, help_text="Created by the hub itself, so accepted at creation.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["network", "cbo"], name="network_cbo_once")]

    def __str__(self) -> str:
        return f"{self.cbo} in {self.network}"


class Membership(models.Model):
    """A user's role in an organisation. A user may hold several."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_once")
        ]
        ordering = ["organisation__name", "role"]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"
