from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from carehub.tenancy.rls import HiddenCharField


class User(AbstractUser):
    """A person who signs in. What they may do comes from their memberships."""

    # The hash is never read under the request role (see tenancy.grants).
    password = HiddenCharField(_("password"), max_length=128)
    display_name = models.CharField(max_length=150, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class LoginThrottle(models.Model):
    """Failed sign-ins per username, whether or not such a user exists.

    Keyed by the typed name so a lockout says nothing about which accounts exist.
    """

    username = models.CharField(max_length=150, unique=True)
    failures = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.username}: {self.failures} failures"
