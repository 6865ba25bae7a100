"""Login (password, then TOTP), enrolment, logout, the "My account" page, password change.

Thin: parse, call one service, render. The middleware keeps a user who has not passed
TOTP on /accounts/totp/...; these views decide which of verify or enrol applies.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accounts import selectors, services
from accounts.forms import LoginForm, OwnPasswordChangeForm, TokenCreateForm, TotpForm
from accounts.models import User


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """What django-axes answers once an account is locked (audited by accounts.receivers)."""
    return render(request, "accounts/locked.html", status=403)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


# Set after the second factor when no particular page was asked for: the home page
# (net247.views.home) takes it once and sends the user to their role's work.
LANDING_SESSION_KEY = "landing_pending"


def _after_second_factor(request: HttpRequest) -> HttpResponse:
    target = _next_url(request)
    if target == resolve_url(settings.LOGIN_REDIRECT_URL):
        request.session[LANDING_SESSION_KEY] = True
    return redirect(target)


def _with_next(name: str, request: HttpRequest) -> HttpResponse:
    response = redirect(name)
    target = _next_url(request)
    if target != resolve_url(settings.LOGIN_REDIRECT_URL):
        response["Location"] += "?" + urlencode({"next": target})
    return response


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def login_view(request: HttpRequest) -> HttpResponse:
    """Step 1: username and password. Django's login() here; TOTP completes it."""
    if request.user.is_authenticated and request.user.is_verified():  # type: ignore[union-attr,attr-defined]
        return redirect(_next_url(request))
    form = LoginForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        auth_login(request, form.get_user())
        return _with_next("accounts:totp-verify", request)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "registration/login.html",
        {"form": form, "next": _next_url(request)},
        status=status,
    )


def totp_verify(request: HttpRequest) -> HttpResponse:
    """Step 2: a code from the confirmed device; without one, go to enrolment."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    user = _user(request)
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect(_next_url(request))
    if services.confirmed_device(user) is None:
        return _with_next("accounts:totp-enrol", request)
    form = TotpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = services.totp_verify(user=user, code=form.cleaned_data["code"])
        if device is not None:
            request.session.cycle_key()
            otp_login(request, device)
            return _after_second_factor(request)
        form.add_error("code", _("Wrong code, or a code that was already used."))
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "next": _next_url(request),
        "demo_code": selectors.demo_current_code(user),
    }
    return render(request, "accounts/totp_verify.html", context, status=status)


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    return str(svg)


def totp_enrol(request: HttpRequest) -> HttpResponse:
    """First login: QR code and base32 secret; the first correct code confirms the device."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    user = _user(request)
    if services.confirmed_device(user) is not None:
        return _with_next("accounts:totp-verify", request)
    device = services.totp_enrolment_device(user)
    form = TotpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        confirmed = services.totp_confirm(user=user, code=form.cleaned_data["code"])
        if confirmed is not None:
            request.session.cycle_key()
            otp_login(request, confirmed)
            messages.success(request, _("Two-factor authentication is set up."))
            # The very first login ends on the home page itself (where to start), not on
            # the role's landing: no LANDING_SESSION_KEY here.
            return redirect(_next_url(request))
        form.add_error("code", _("Wrong code, or a code that was already used."))
    context = {
        "form": form,
        "next": _next_url(request),
        # The SVG comes from qrcode's own factory fed with our otpauth:// URL: no user markup.
        "qr_svg": mark_safe(_qr_svg(device.config_url)),  # noqa: S308
        "secret": services.device_secret(device),
        "issuer": settings.OTP_TOTP_ISSUER,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/totp_enrol.html", context, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    return redirect("accounts:login")


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """My account: TOTP status, personal API tokens (shown once), log out everywhere."""
    user = _user(request)
    form = TokenCreateForm(request.POST if request.method == "POST" else None)
    new_token = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            _token, new_token = services.token_create(
                user=user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_days=form.cleaned_data["expires_days"],
            )
            form = TokenCreateForm()
            status = 201
        else:
            status = 400
    context = {
        "form": form,
        "new_token": new_token,
        "tokens": selectors.active_tokens(user),
        "totp_confirmed": selectors.has_confirmed_totp(user),
        "session_hours": settings.SESSION_COOKIE_AGE // 3600,
        "token_max_days": services.TOKEN_MAX_DAYS,
    }
    response = render(request, "accounts/account.html", context, status=status)
    if new_token is not None:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        services.token_revoke(token_id=token_id, user=_user(request))
    except services.AccountError as exc:
        messages.error(request, str(exc))
        return redirect("accounts:account")
    messages.success(request, _("The token is revoked."))
    return redirect("accounts:account")


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """The user's own password (the middleware already asked for TOTP): Django's form
    checks the current password and the validators; the service ends the other sessions
    and this one moves to the new generation."""
    user = _user(request)
    form = OwnPasswordChangeForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            generation = services.password_change(
                user=user, new_password=form.cleaned_data["new_password1"]
            )
            update_session_auth_hash(request, user)
            request.session["session_generation"] = generation
            messages.success(
                request, _("Your password is changed. Your other sessions have ended.")
            )
            return redirect("accounts:account")
        if "old_password" in form.errors:
            services.password_change_refused(user=user)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/password_change.html", {"form": form}, status=status)


@login_required
@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    services.logout_everywhere(user=_user(request))
    auth_logout(request)
    messages.success(request, _("You are logged out on every device."))
    return redirect("accounts:login")
