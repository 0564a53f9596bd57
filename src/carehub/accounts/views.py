"""Sign-in (password, then a second factor where the role needs one), sign-out, switching organisation."""

from __future__ import annotations

import base64
import io
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib.auth import login, logout
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from carehub.accounts import services
from carehub.accounts.forms import LoginForm, TokenForm
from carehub.accounts.models import User
from carehub.audit import services as audit
from carehub.tenancy.access import SESSION_KEY, active_memberships

PENDING_KEY = "pending_user_id"


def _next_url(request: HttpRequest) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return nxt
    return reverse("home")


def _finish_login(request: HttpRequest, user: User, device: Any = None) -> HttpResponse:
    nxt = _next_url(request)
    request.session.pop(PENDING_KEY, None)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if device is not None:
        otp_login(request, device)
    first = active_memberships(user).first()
    if first is not None:
        request.session[SESSION_KEY] = first.pk
    services.audit_login(request, user)
    return redirect(nxt)


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        outcome = services.check_password_step(
            request, form.cleaned_data["username"], form.cleaned_data["password"]
        )
        if outcome.error:
            error = outcome.error
        elif outcome.user is not None and (outcome.needs_second_factor or outcome.needs_enrolment):
            request.session.cycle_key()
            request.session[PENDING_KEY] = outcome.user.pk
            target = "accounts:verify" if outcome.needs_second_factor else "accounts:enrol"
            return redirect(f"{reverse(target)}?next={_next_url(request)}")
        elif outcome.user is not None:
            return _finish_login(request, outcome.user)
    return render(request, "accounts/login.html", {"form": form, "error": error, "next": _next_url(request)})


def _pending_user(request: HttpRequest) -> User:
    pk = request.session.get(PENDING_KEY)
    user = User.objects.filter(pk=pk, is_active=True).first() if pk else None
    if user is None:
        raise Http404("Not found")
    return user


@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    form = TokenForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        if services.verify_totp(user, form.cleaned_data["token"]):
            return _finish_login(request, user, services.confirmed_totp(user))
        audit.record("login_failed", request=request, actor=user, object_type="user",
                     object_id=str(user.pk), detail={"reason": "bad_second_factor"})
        error = "That code is not right. Codes change every 30 seconds."
    return render(request, "accounts/verify.html", {"form": form, "error": error, "next": _next_url(request)})


def _qr_data_uri(url: str) -> str:
    img = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buf = io.BytesIO()
    img.save(buf)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()


@require_http_methods(["GET", "POST"])
def enrol_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    device = services.start_enrolment(user)
    form = TokenForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        if services.confirm_enrolment(request, user, form.cleaned_data["token"]):
            return _finish_login(request, user, services.confirmed_totp(user))
        error = "That code is not right. Check the app shows carehub and try the newest code."
    secret = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/enrol.html", {
        "form": form, "error": error, "secret": secret,
        "qr": _qr_data_uri(device.config_url), "next": _next_url(request),
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
