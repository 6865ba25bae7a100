"""Login, TOTP and logout pages (thin: the work is in accounts.services)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """What django-axes answers once an account is locked (also audited by a signal)."""
    return render(request, "accounts/locked.html", status=403)
