"""Reads about users, tokens and second factors (no writes here)."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import ApiToken, User


def users_by_role(role: str, *, active_only: bool = True) -> QuerySet[User]:
    """Users holding `role` (admins are not included unless asked for: role="admin")."""
    users = User.objects.filter(role=role)
    if active_only:
        users = users.filter(is_active=True)
    return users.order_by("username")


def active_tokens(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at")


def has_confirmed_totp(user: User) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())
