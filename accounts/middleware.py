"""Every page needs password + TOTP; a user without a device reaches only enrolment."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts import services

OPEN_PREFIXES = (
    "/healthz",
    "/readyz",
    "/federation/",
    "/i18n/",
    "/static/",
    "/api/",
)
# Exact paths, not prefixes: "/accounts/logout" also began "/accounts/logout-everywhere/",
# which a session that had passed only the password could then run.
OPEN_PATHS = frozenset({"/accounts/login/", "/accounts/logout/"})
ENROL_PREFIXES = ("/accounts/totp/",)
ADMIN_LOGIN = "/admin/login/"


class RequireTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        user = request.user
        if user.is_authenticated:
            generation = request.session.get("session_generation")
            if generation is not None and generation != getattr(user, "session_generation", 0):
                logout(request)
                return redirect("accounts:login")
        if path.startswith(ADMIN_LOGIN):
            # One way in for everybody: the admin's own password-only form is never shown.
            response = redirect("accounts:login")
            response["Location"] += "?" + urlencode({"next": request.GET.get("next", "/admin/")})
            return response
        if path in OPEN_PATHS or path.startswith(OPEN_PREFIXES) or not user.is_authenticated:
            return self.get_response(request)
        if getattr(user, "is_verified", lambda: False)():
            return self.get_response(request)
        if path.startswith(ENROL_PREFIXES):
            return self.get_response(request)
        services.second_factor_required(user=user, path=path)
        response = redirect("accounts:totp-verify")
        if request.method == "GET" and path != "/":
            response["Location"] += "?" + urlencode({"next": request.get_full_path()})
        return response


class RussianByDefaultMiddleware:
    """Russian unless the user chose English with the switch (the language cookie).

    Placed before LocaleMiddleware: it hides the browser's Accept-Language so that a
    browser set up in English still gets the node's default language until switched.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
