"""Sign-in: password check, throttling, second factor. Every outcome is audited.

Sign-in is about a request, but no HttpRequest comes here: the views pass an `Acting`
carrying the request id and address (user and organisation unset until someone signs in).

The second factor cannot be skipped: a user with a confirmed device must present a code
from it at sign-in, and may only add or replace a device after presenting one.
Enrolment at sign-in is open only to a user who has no confirmed device; a lost device
is removed by an administrator's reset (audited), after which the user enrols again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp.plugins.otp_totp.models import TOTPDevice

from carehub.accounts.models import LoginThrottle, User
from carehub.audit import services as audit
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Membership, Organisation
from carehub.tenancy.rls import as_owner

GENERIC_FAILURE = "The username or password is not right, or the account is not active."
LOCKED = "Too many failed sign-ins. Try again in {minutes} minutes."
DEVICE_NAME = "Authenticator app"


@dataclass
class LoginOutcome:
    user: User | None
    error: str | None = None
    needs_second_factor: bool = False
    needs_enrolment: bool = False


def _normalise(username: str) -> str:
    return username.strip().lower()[:150]


def throttle_key(username: str) -> str:
    """The throttle row's key for a typed username: a keyed hash (SECRET_KEY), not the name."""
    return salted_hmac("carehub.accounts.login-throttle", _normalise(username),
                       algorithm="sha256").hexdigest()


def _prune_throttles(now: datetime, keep: str) -> None:
    """Delete rows that no longer count: no failure inside the window and no lockout on."""
    window = timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)
    (LoginThrottle.objects.filter(last_failure_at__lt=now - window)
     .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
     .exclude(key=keep).delete())


def _clean_token(token: str) -> str:
    return token.strip().replace(" ", "")


def requires_second_factor(user: Any) -> bool:
    """Whether the user's role or platform access obliges them to use a second factor."""
    if user.is_staff or user.is_superuser:
        return True
    return Membership.objects.filter(
        user=user, is_active=True, role__in=settings.TWO_FACTOR_ROLES
    ).exists()


def confirmed_totp(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def needs_second_factor(user: Any) -> bool:
    """A second factor is needed when the role requires one or the user has set one up.

    Asked on every request of an unverified user, so it is one query.
    """
    if user.is_staff or user.is_superuser:
        return True
    role = Membership.objects.filter(user=OuterRef("pk"), is_active=True, role__in=settings.TWO_FACTOR_ROLES)
    device = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return User.objects.filter(Exists(role) | Exists(device), pk=user.pk).exists()


def _count_failure(throttle: LoginThrottle | None, key: str, now: datetime) -> bool:
    """Count one failed sign-in; True when it locks the name.

    Failures count from the first one for LOGIN_FAILURE_WINDOW_MINUTES; after that (or
    after a lockout ends) counting starts again from nothing.
    """
    _prune_throttles(now, keep=key)
    if throttle is None:
        throttle, _ = LoginThrottle.objects.select_for_update().get_or_create(key=key)
    window = timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)
    if throttle.first_failure_at is None or throttle.first_failure_at <= now - window:
        throttle.failures = 0
        throttle.first_failure_at = now
    throttle.failures += 1
    throttle.last_failure_at = now
    throttle.locked_until = None
    locked = throttle.failures >= settings.LOGIN_MAX_FAILURES
    if locked:
        throttle.locked_until = now + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        throttle.failures = 0
        throttle.first_failure_at = None
    throttle.save()
    return locked


@transaction.atomic
def check_password_step(username: str, password: str, *, acting: Acting) -> LoginOutcome:
    key = _normalise(username)
    now = timezone.now()
    throttle = (LoginThrottle.objects.select_for_update()
                .filter(key=throttle_key(username)).first())
    if throttle and throttle.locked_until and throttle.locked_until > now:
        minutes = max(1, int((throttle.locked_until - now).total_seconds() // 60) + 1)
        audit.record(
            "login_failed", acting=acting, object_type="user", object_id=key,
            detail={"reason": "locked"},
        )
        return LoginOutcome(None, LOCKED.format(minutes=minutes))

    user = authenticate(None, username=username.strip(), password=password)
    if user is None:
        locked = _count_failure(throttle, throttle_key(username), now)
        audit.record(
            "login_failed", acting=acting, object_type="user", object_id=key,
            detail={"reason": "locked_now" if locked else "bad_credentials"},
        )
        if locked:
            return LoginOutcome(None, LOCKED.format(minutes=settings.LOGIN_LOCKOUT_MINUTES))
        return LoginOutcome(None, GENERIC_FAILURE)

    if throttle is not None:
        throttle.delete()
    assert isinstance(user, User)
    # A confirmed device is always asked for, whatever the role: once set up it is the
    # user's second factor and cannot be stepped around.
    if confirmed_totp(user) is not None:
        return LoginOutcome(user, needs_second_factor=True)
    if requires_second_factor(user):
        return LoginOutcome(user, needs_enrolment=True)
    return LoginOutcome(user)


def verify_totp(user: User, token: str) -> TOTPDevice | None:
    """The confirmed device that accepts `token`, or None. django-otp throttles retries."""
    device = confirmed_totp(user)
    if device is not None and device.verify_token(_clean_token(token)):
        return device
    return None


@transaction.atomic
def new_pending_device(user: User) -> TOTPDevice:
    """A fresh, unconfirmed device with a new key.

    Any earlier unconfirmed device is removed, so a key shown before (perhaps to
    someone else who had the password) can never become the confirmed one.
    """
    with as_owner():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def pending_device(user: User, device_id: Any) -> TOTPDevice | None:
    if not isinstance(device_id, int):
        return None
    return TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()


def _lock_user(user: User) -> None:
    # Serialises enrolment, replacement and reset for one user.
    with as_owner():
        User.objects.select_for_update().filter(pk=user.pk).first()


# Device rows are identity, not tenant data: the writes below are decided here and made
# outside the request's tenant role (as the audit chain's are).


@transaction.atomic
def confirm_enrolment(user: User, device_id: Any, token: str, *,
                      acting: Acting) -> TOTPDevice | None:
    """First device at sign-in. Refused (None) when the user already has a confirmed one."""
    _lock_user(user)
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return None
    device = pending_device(user, device_id)
    if device is None or not device.verify_token(_clean_token(token)):
        return None
    with as_owner():
        device.confirmed = True
        device.save()
    audit.record("create", acting=acting, actor=user, object_type="second_factor",
                 object_id=str(user.pk), detail={"event": "enrolled", "device": device.pk,
                                                 "via": "sign_in"})
    return device


@transaction.atomic
def confirm_replacement(user: User, device_id: Any, token: str, *,
                        acting: Acting) -> TOTPDevice | None:
    """Confirm a new device for a signed-in user who passed their current one.

    The old devices are removed only now, in the same transaction, so a user who
    abandons the change keeps the device they had.
    """
    _lock_user(user)
    device = pending_device(user, device_id)
    if device is None or not device.verify_token(_clean_token(token)):
        return None
    old = list(TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).values_list("pk", flat=True))
    with as_owner():
        TOTPDevice.objects.filter(pk__in=old).delete()
        device.confirmed = True
        device.save()
    audit.record("update" if old else "create", acting=acting, actor=user,
                 object_type="second_factor", object_id=str(user.pk),
                 detail={"event": "replaced" if old else "enrolled", "device": device.pk,
                         "removed_devices": old, "via": "security_page"})
    return device


def resettable_user(managing: Organisation, user_id: int, acting_user: Any) -> User | None:
    """A user whose second factor `managing` may reset, or None.

    Every one of the user's memberships must be in an organisation `managing`
    administers, so a hub cannot reset the factor of someone who also works elsewhere;
    platform staff and the administrator themselves are excluded (staff are reset from
    the command line, one's own device is replaced from the security page).
    """
    from carehub.tenancy.access import organisations_managed_by

    if user_id == getattr(acting_user, "pk", None):
        return None
    user = User.objects.filter(pk=user_id, is_staff=False, is_superuser=False).first()
    if user is None:
        return None
    theirs = set(Membership.objects.filter(user=user).values_list("organisation_id", flat=True))
    managed = set(organisations_managed_by(managing).values_list("pk", flat=True))
    if not theirs or not theirs <= managed:
        return None
    return user


@transaction.atomic
def reset_second_factor(user: User, *, acting: Acting, via: str, reason: str = "") -> int:
    """Remove every device of `user` (lost or stolen). They enrol again at next sign-in.

    Their signed-in sessions end too: the second-factor middleware signs out a session
    whose device is gone when the user needs one.
    """
    _lock_user(user)
    devices = list(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True))
    with as_owner():
        TOTPDevice.objects.filter(pk__in=devices).delete()
    detail: dict[str, Any] = {"event": "reset", "via": via, "removed_devices": devices,
                              "user": user.username}
    if reason:
        detail["reason"] = reason[:200]
    audit.record("delete", acting=acting, object_type="second_factor",
                 object_id=str(user.pk), detail=detail)
    return len(devices)


def audit_login(user: Any, *, acting: Acting) -> None:
    """A completed sign-in (password, and the second factor where one is needed)."""
    audit.record("login", acting=acting, actor=user, object_type="user", object_id=str(user.pk))


def audit_second_factor_refused(user: Any, reason: str, *, acting: Acting,
                                during: str = "") -> None:
    """A second factor not given: a wrong code at sign-in or before a device change, or a
    session that needs one and has none (it is then signed out)."""
    detail = {"reason": reason, **({"during": during} if during else {})}
    audit.record("login_failed", acting=acting, actor=user, object_type="user",
                 object_id=str(user.pk), detail=detail)
