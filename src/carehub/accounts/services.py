"""Sign-in: password check, throttling, second factor. Every outcome is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from carehub.accounts.models import LoginThrottle, User
from carehub.audit import services as audit
from carehub.tenancy.models import Membership

GENERIC_FAILURE = "The username or password is not right, or the account is not active."
LOCKED = "Too many failed sign-ins. Try again in {minutes} minutes."


@dataclass
class LoginOutcome:
    user: User | None
    error: str | None = None
    needs_second_factor: bool = False
    needs_enrolment: bool = False


def _normalise(username: str) -> str:
    return username.strip().lower()[:150]


def requires_second_factor(user: User) -> bool:
    return Membership.objects.filter(
        user=user, is_active=True, role__in=settings.TWO_FACTOR_ROLES
    ).exists()


def confirmed_totp(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@transaction.atomic
def check_password_step(request: HttpRequest, username: str, password: str) -> LoginOutcome:
    key = _normalise(username)
    now = timezone.now()
    throttle, _ = LoginThrottle.objects.select_for_update().get_or_create(username=key)
    if throttle.locked_until and throttle.locked_until > now:
        minutes = max(1, int((throttle.locked_until - now).total_seconds() // 60) + 1)
        audit.record(
            "login_failed", request=request, object_type="user", object_id=key,
            detail={"reason": "locked"},
        )
        return LoginOutcome(None, LOCKED.format(minutes=minutes))

    user = authenticate(request, username=username.strip(), password=password)
    if user is None:
        throttle.failures += 1
        throttle.last_failure_at = now
        locked = throttle.failures >= settings.LOGIN_MAX_FAILURES
        if locked:
            throttle.locked_until = now + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
            throttle.failures = 0
        throttle.save()
        audit.record(
            "login_failed", request=request, object_type="user", object_id=key,
            detail={"reason": "locked_now" if locked else "bad_credentials"},
        )
        if locked:
            return LoginOutcome(None, LOCKED.format(minutes=settings.LOGIN_LOCKOUT_MINUTES))
        return LoginOutcome(None, GENERIC_FAILURE)

    throttle.failures = 0
    throttle.locked_until = None
    throttle.save()
    assert isinstance(user, User)
    if requires_second_factor(user):
        if confirmed_totp(user) is None:
            return LoginOutcome(user, needs_enrolment=True)
        return LoginOutcome(user, needs_second_factor=True)
    return LoginOutcome(user)


def verify_totp(user: User, token: str) -> bool:
    device = confirmed_totp(user)
    return bool(device and device.verify_token(token.strip().replace(" ", "")))


def start_enrolment(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def confirm_enrolment(request: HttpRequest, user: User, token: str) -> bool:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(token.strip().replace(" ", "")):
        return False
    device.confirmed = True
    device.save()
    audit.record("update", request=request, actor=user, object_type="totp_device",
                 object_id=str(device.pk), detail={"confirmed": True})
    return True


def audit_login(request: HttpRequest, user: Any) -> None:
    audit.record("login", request=request, actor=user, object_type="user", object_id=str(user.pk))
