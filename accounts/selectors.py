"""Reads about users, tokens and second factors (no writes here)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import ApiToken, User


def people() -> QuerySet[User]:
    """Real users: without django-guardian's stand-in row for anonymous visitors."""
    anonymous = settings.ANONYMOUS_USER_NAME
    return User.objects.exclude(username=anonymous) if anonymous else User.objects.all()


def users_by_role(role: str, *, active_only: bool = True) -> QuerySet[User]:
    """Users holding exactly `role` (admins are not included unless role="admin")."""
    users = people().filter(role=role)
    if active_only:
        users = users.filter(is_active=True)
    return users.order_by("username")


def active_tokens(user: User) -> QuerySet[ApiToken]:
    """The user's tokens that still work: neither revoked nor expired."""
    return ApiToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at")


def session_current(user_id: int, generation: int) -> bool:
    """Whether a connection opened under `generation` still stands: the user is active
    and no session end (log out everywhere, deactivation, TOTP reset, password change)
    came since. The database is the truth; a closing message is only the fast path."""
    return bool(
        User.objects.filter(pk=user_id, is_active=True, session_generation=generation).exists()
    )


def has_confirmed_totp(user: User) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def demo_current_code(user: User) -> str | None:
    """The code the user's device shows now, for the demo federation's login page only.

    Refused unless NODE_DEMO is set, which a production node refuses to start with."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not settings.DEMO_MODE:
        return None
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return None
    code = totp(device.bin_key, device.step, device.t0, device.digits, 0)
    return str(code).zfill(device.digits)
