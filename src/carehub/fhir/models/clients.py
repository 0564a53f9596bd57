"""Partner systems registered for an organisation, and the client assertions they used.

A partner system is one django-oauth-toolkit `Application` (client credentials,
confidential) plus a `PartnerSystem` row: which organisation it acts for, in which role,
with which scopes, and the public keys (JWKS) its signed assertions are checked against.
It acts as a service user made for it, a member of the organisation in that role, so its
token sees exactly what a person in that role would.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from carehub.tenancy.models import Membership, Organisation

__all__ = ["PartnerSystem", "UsedAssertion"]


class PartnerSystem(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="partner_systems")
    name = models.CharField(max_length=200)
    # The OAuth2 client: its client_id is copied here so pages never read DOT's tables.
    application = models.OneToOneField("oauth2_provider.Application",
                                       on_delete=models.PROTECT, related_name="partner_system")
    client_id = models.CharField(max_length=100, unique=True)
    service_user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                        related_name="partner_system")
    membership = models.OneToOneField(Membership, on_delete=models.PROTECT,
                                      related_name="partner_system")
    role = models.CharField(max_length=20)
    # The public keys client assertions are verified with: a JWK Set, or where to fetch it.
    jwks = models.JSONField(default=dict, blank=True)
    jwks_url = models.URLField(max_length=500, blank=True)
    # Space-separated SMART scopes granted at registration (system/Task.rs ...).
    scopes = models.TextField()
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                      null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["organisation__name", "name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class UsedAssertion(models.Model):
    """A client assertion's `jti`, kept until the assertion expires: a replay is refused.
    Identity data of the token endpoint (run as the owner); requests never read it."""

    client_id = models.CharField(max_length=100)
    jti = models.CharField(max_length=255)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client_id", "jti"], name="assertion_jti_once")]

    def __str__(self) -> str:
        return f"{self.client_id} · {self.jti}"
