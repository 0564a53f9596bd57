"""Sign-in (password, then a second factor where one is needed), sign-out, switching
organisation, the account security page and administrators' second-factor resets."""

from __future__ import annotations

import base64
import io
import time
from typing import Any
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from carehub.accounts import services
from carehub.accounts.forms import LoginForm, TokenForm
from carehub.accounts.models import User
from carehub.accounts.signin import request_acting
from carehub.tenancy.access import SESSION_KEY, Acting, active_memberships, require_acting
from carehub.tenancy.models import Role

# Between the password step and the second factor the session holds only these.
PENDING_KEY = "pending_user_id"
PENDING_STAGE = "pending_stage"  # "verify" or "enrol": each page accepts only its own
PENDING_AT = "pending_at"
PENDING_DEVICE = "pending_device_id"
PENDING_SECONDS = 10 * 60
# A signed-in user who passed their current code may set up a new device for this long.
NEW_DEVICE = "new_device_id"
NEW_DEVICE_AT = "new_device_at"
NEW_DEVICE_SECONDS = 10 * 60

BAD_CODE = "That code is not right, or was already used. Codes change every 30 seconds."
BAD_NEW_CODE = "That code is not right. Check the app shows carehub and try the newest code."


def _next_url(request: HttpRequest) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return nxt
    return reverse("home")


def _clear_pending(request: HttpRequest) -> None:
    for key in (PENDING_KEY, PENDING_STAGE, PENDING_AT, PENDING_DEVICE):
        request.session.pop(key, None)


def _finish_login(request: HttpRequest, user: User, device: Any = None) -> HttpResponse:
    nxt = _next_url(request)
    _clear_pending(request)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if device is not None:
        otp_login(request, device)
    first = active_memberships(user).first()
    if first is not None:
        request.session[SESSION_KEY] = first.pk
    elif user.is_staff and nxt == reverse("home"):
        # Platform staff without an organisation have no home page; the admin is theirs.
        nxt = reverse("admin:index")
    services.audit_login(user, acting=request_acting(request, user))
    return redirect(nxt)


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        outcome = services.check_password_step(
            form.cleaned_data["username"], form.cleaned_data["password"],
            acting=request_acting(request),
        )
        if outcome.error:
            error = outcome.error
        elif outcome.user is not None and (outcome.needs_second_factor or outcome.needs_enrolment):
            nxt = _next_url(request)
            if request.user.is_authenticated:
                logout(request)  # a new sign-in replaces whoever was signed in here
            request.session.cycle_key()
            request.session[PENDING_KEY] = outcome.user.pk
            request.session[PENDING_AT] = int(time.time())
            if outcome.needs_second_factor:
                request.session[PENDING_STAGE] = "verify"
                request.session.pop(PENDING_DEVICE, None)
            else:
                request.session[PENDING_STAGE] = "enrol"
                request.session[PENDING_DEVICE] = services.new_pending_device(outcome.user).pk
            target = "accounts:verify" if outcome.needs_second_factor else "accounts:enrol"
            return redirect(f"{reverse(target)}?{urlencode({'next': nxt})}")
        elif outcome.user is not None:
            return _finish_login(request, outcome.user)
    return render(request, "accounts/login.html", {"form": form, "error": error, "next": _next_url(request)})


def _pending_user(request: HttpRequest, stage: str) -> User:
    """The user between password and second factor, for this stage only, or 404."""
    pk = request.session.get(PENDING_KEY)
    started = request.session.get(PENDING_AT)
    if (not pk or request.session.get(PENDING_STAGE) != stage or not isinstance(started, int)
            or time.time() - started > PENDING_SECONDS):
        raise Http404("Not found")
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise Http404("Not found")
    return user


@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request, "verify")
    form = TokenForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        device = services.verify_totp(user, form.cleaned_data["token"])
        if device is not None:
            return _finish_login(request, user, device)
        services.audit_second_factor_refused(user, "bad_second_factor",
                                             acting=request_acting(request, user))
        error = BAD_CODE
    return render(request, "accounts/verify.html", {"form": form, "error": error, "next": _next_url(request)})


def _qr_data_uri(url: str) -> str:
    img = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buf = io.BytesIO()
    img.save(buf)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()


def _device_context(device: TOTPDevice) -> dict[str, str]:
    return {"secret": base64.b32encode(device.bin_key).decode(), "qr": _qr_data_uri(device.config_url)}


@require_http_methods(["GET", "POST"])
def enrol_view(request: HttpRequest) -> HttpResponse:
    """First device, at sign-in. Only for a user who has no confirmed device."""
    user = _pending_user(request, "enrol")
    if services.confirmed_totp(user) is not None:
        raise Http404("Not found")
    device = services.pending_device(user, request.session.get(PENDING_DEVICE))
    if device is None:
        raise Http404("Not found")
    form = TokenForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        confirmed = services.confirm_enrolment(user, device.pk, form.cleaned_data["token"],
                                               acting=request_acting(request, user))
        if confirmed is not None:
            return _finish_login(request, user, confirmed)
        if services.confirmed_totp(user) is not None:
            raise Http404("Not found")
        error = BAD_NEW_CODE
    return render(request, "accounts/enrol.html", {
        "form": form, "error": error, "next": _next_url(request), "replacing": False,
        **_device_context(device),
    })


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@require_POST
def switch_view(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        raise Http404("Not found")
    wanted = request.POST.get("membership", "")
    membership = active_memberships(request.user).filter(pk=wanted).first() if wanted.isdigit() else None
    if membership is None:
        raise Http404("Not found")
    request.session[SESSION_KEY] = membership.pk
    return redirect("home")


# --- Account security: replacing one's own device --------------------------------

def _security_page(request: HttpRequest, form: TokenForm, error: str | None = None,
                   status: int = 200) -> HttpResponse:
    return render(request, "accounts/security.html", {
        "device": services.confirmed_totp(request.user),
        "required": services.requires_second_factor(request.user),
        "form": form, "error": error,
    }, status=status)


@login_required
@require_http_methods(["GET"])
def security_view(request: HttpRequest) -> HttpResponse:
    return _security_page(request, TokenForm())


@login_required
@require_POST
def security_replace_view(request: HttpRequest) -> HttpResponse:
    """Step one of a change: the current device's code (when there is one)."""
    user = request.user
    assert isinstance(user, User)
    form = TokenForm(request.POST)
    if services.confirmed_totp(user) is not None:
        if not form.is_valid():
            return _security_page(request, form, status=400)
        if services.verify_totp(user, form.cleaned_data["token"]) is None:
            services.audit_second_factor_refused(user, "bad_second_factor", during="device_change",
                                                 acting=request_acting(request, user))
            return _security_page(request, form, BAD_CODE, status=400)
    request.session[NEW_DEVICE] = services.new_pending_device(user).pk
    request.session[NEW_DEVICE_AT] = int(time.time())
    return redirect("accounts:security_new")


@login_required
@require_http_methods(["GET", "POST"])
def security_new_view(request: HttpRequest) -> HttpResponse:
    """Step two: set up the new device; the old one goes only once this one is confirmed."""
    user = request.user
    assert isinstance(user, User)
    started = request.session.get(NEW_DEVICE_AT)
    device = services.pending_device(user, request.session.get(NEW_DEVICE))
    if device is None or not isinstance(started, int) or time.time() - started > NEW_DEVICE_SECONDS:
        messages.info(request, "Enter a code from your current app to start again.")
        return redirect("accounts:security")
    form = TokenForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        confirmed = services.confirm_replacement(user, device.pk, form.cleaned_data["token"],
                                                 acting=request_acting(request, user))
        if confirmed is not None:
            request.session.pop(NEW_DEVICE, None)
            request.session.pop(NEW_DEVICE_AT, None)
            otp_login(request, confirmed)  # the session's device was the old one
            messages.success(request, "Your new authenticator app is set up. The old one no longer works.")
            return redirect("accounts:security")
        error = BAD_NEW_CODE
    return render(request, "accounts/enrol.html", {
        "form": form, "error": error, "replacing": True, **_device_context(device),
    }, status=400 if error else 200)


# --- Administrator's reset of a lost device ----------------------------------------

@require_acting(Role.HUB_ADMIN)
@require_http_methods(["GET", "POST"])
def reset_view(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    target = services.resettable_user(acting.organisation, pk, acting.user)
    if target is None:
        raise Http404("Not found")
    if request.method == "POST":
        removed = services.reset_second_factor(target, acting=acting, via="hub_admin",
                                               reason=request.POST.get("reason", "").strip())
        if removed:
            messages.success(request, f"{target}'s two-step sign-in was reset. They set it up again at their next sign-in.")
        else:
            messages.info(request, f"{target} had no authenticator app set up.")
        return redirect("accounts:reset", pk=target.pk)
    return render(request, "accounts/reset.html", {
        "target": target, "device": services.confirmed_totp(target),
        "required": services.requires_second_factor(target),
        "memberships": target.memberships.select_related("organisation").order_by("organisation__name"),
    })
