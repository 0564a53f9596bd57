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
    """Recent failed sign-ins for one typed username, whether or not such a user exists.

    Keyed by the typed name so a lockout says nothing about which accounts exist, and by
    a keyed hash of it (`accounts.services.throttle_key`) so the table never holds what
    people typed (a password typed into the username box, say). A row lives only while it
    matters: failures inside the window, or a lockout not yet over; older rows are
    deleted at the next failed sign-in, so the table holds at most the names that failed
    in the last window or lockout period.
    """

    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    # The window: failures since `first_failure_at` count while it is less than
    # LOGIN_FAILURE_WINDOW_MINUTES old.
    first_failure_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True, db_index=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key[:12]}…: {self.failures} failures"
