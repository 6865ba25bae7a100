"""Every change to accounts happens here, each in a transaction with its audit entry.

Ending sessions (issue 17): "log out everywhere", deactivation and a TOTP reset bump
`User.session_generation` (a session or WebSocket opened under an older one is refused),
revoke every API token of the user and, after commit, send
`accounts.signals.sessions_ended` so that live connections close at once. A password
change bumps the generation too (the view keeps its own session on the new one) but
leaves the tokens: they are credentials of their own, with an expiry and a scope.

TOTP rules (issue 2): a code is accepted only within its own 30-second step (tolerance 0,
no drift) and never twice. django-otp's TOTPDevice keeps `last_t`, the last step accepted,
and refuses any step not after it; we lock the device row while verifying so that two
concurrent submissions of one code cannot both pass.
"""

from __future__ import annotations

import base64
import binascii
import logging
from datetime import timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import signals
from accounts.models import ApiToken, Role, TokenScope, User
from accounts.tokens import new_token, token_hash
from audit.services import record
from node.errors import ServiceError

logger = logging.getLogger(__name__)

TOTP_STEP = 30
TOTP_DEVICE_NAME = "default"
# API tokens: the expiry is chosen at creation, within these bounds.
TOKEN_DEFAULT_DAYS = 90
TOKEN_MAX_DAYS = 365


class AccountError(ServiceError):
    """A refused account operation; the message is safe to show to an operator."""

    def __init__(self, message: str | Promise, field: str = "") -> None:
        super().__init__(field, message)


def _check_role(role: str) -> str:
    if role not in Role.values:
        raise AccountError(
            _("Unknown role %(role)s; one of: %(roles)s.")
            % {
                "role": role,
                "roles": ", ".join(Role.values),
            }
        )
    return role


def secret_to_hex(secret_b32: str) -> str:
    """A base32 TOTP secret (as authenticator apps show it) to django-otp's hex key."""
    cleaned = secret_b32.strip().replace(" ", "").upper()
    padded = cleaned + "=" * (-len(cleaned) % 8)
    try:
        raw = base64.b32decode(padded)
    except (binascii.Error, ValueError) as exc:
        raise AccountError(_("The TOTP secret is not valid base32.")) from exc
    if len(raw) < 10:
        raise AccountError(_("The TOTP secret must be at least 80 bits."))
    return raw.hex()


def device_secret(device: TOTPDevice) -> str:
    """The device key in base32, as typed into an authenticator app."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def _new_device(user: User, key_hex: str | None, confirmed: bool) -> TOTPDevice:
    device = TOTPDevice(
        user=user, name=TOTP_DEVICE_NAME, confirmed=confirmed, step=TOTP_STEP, tolerance=0
    )
    if key_hex is not None:
        device.key = key_hex
    device.save()
    return device


def _sessions_ended_after_commit(user_id: int, generation: int, reason: str) -> None:
    def send() -> None:
        for receiver, error in signals.sessions_ended.send_robust(
            sender=User, user_id=user_id, generation=generation, reason=reason
        ):
            if isinstance(error, Exception):
                logger.warning("sessions_ended receiver %r failed: %s", receiver, error)

    transaction.on_commit(send)


def _end_sessions(locked: User, *, reason: str, revoke_tokens: bool = True) -> int:
    """Inside the caller's transaction, `locked` locked: end every session (generation
    bump) and, with `revoke_tokens`, every API token; live connections close after commit.
    Returns how many tokens were revoked."""
    locked.session_generation += 1
    locked.save(update_fields=["session_generation"])
    revoked = 0
    if revoke_tokens:
        revoked = ApiToken.objects.filter(user=locked, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    _sessions_ended_after_commit(int(locked.pk), locked.session_generation, reason)
    return int(revoked)


def user_create(
    *,
    username: str,
    role: str,
    password: str,
    unit: str = "",
    email: str = "",
    phone: str = "",
    totp_secret: str | None = None,
    actor: Any = None,
) -> User:
    """Create a user; with `totp_secret` (base32) a confirmed TOTP device is pre-enrolled."""
    _check_role(role)
    if User.objects.filter(username=username).exists():
        raise AccountError(_("A user named %(name)s already exists.") % {"name": username})
    candidate = User(username=username, role=role, unit=unit, email=email, phone=phone)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages)) from exc
    key_hex = secret_to_hex(totp_secret) if totp_secret else None
    with transaction.atomic():
        candidate.set_password(password)
        # The node administrator runs the Django admin; no other role sees it.
        candidate.is_staff = candidate.is_superuser = role == Role.ADMIN
        candidate.full_clean(exclude=["password"])
        candidate.save()
        if key_hex is not None:
            _new_device(candidate, key_hex, confirmed=True)
        record(
            action="user.created",
            actor=actor,
            object_type="user",
            object_id=candidate.username,
            details={"role": role, "unit": unit, "totp_preenrolled": key_hex is not None},
        )
    return candidate


def user_set_role(*, user: User, role: str, actor: Any = None, via: str = "") -> User:
    """The one way a role changes (the `user` command and the Django admin): the admin
    flags follow the role, so a demoted administrator loses is_staff and is_superuser."""
    _check_role(role)
    with transaction.atomic():
        locked = User.objects.select_for_update(no_key=True).get(pk=user.pk)
        before = locked.role
        locked.role = role
        locked.is_staff = locked.is_superuser = role == Role.ADMIN
        locked.save(update_fields=["role", "is_staff", "is_superuser"])
        details: dict[str, Any] = {"from": before, "to": role}
        if via:
            details["via"] = via
        record(
            action="user.role_changed",
            actor=actor,
            object_type="user",
            object_id=locked.username,
            details=details,
        )
    user.role, user.is_staff, user.is_superuser = role, locked.is_staff, locked.is_superuser
    return locked


def user_deactivate(*, user: User, actor: Any = None, via: str = "") -> User:
    """Deactivate, end every session, revoke every token, close live connections."""
    with transaction.atomic():
        locked = User.objects.select_for_update(no_key=True).get(pk=user.pk)
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        revoked = _end_sessions(locked, reason="deactivated")
        details: dict[str, Any] = {"tokens_revoked": revoked}
        if via:
            details["via"] = via
        record(
            action="user.deactivated",
            actor=actor,
            object_type="user",
            object_id=locked.username,
            details=details,
        )
    user.is_active, user.session_generation = False, locked.session_generation
    return locked


def user_admin_created(*, user: User, actor: Any) -> None:
    """Audit a user the Django admin created (the admin's LogEntry is audited too)."""
    record(
        action="user.created",
        actor=actor,
        object_type="user",
        object_id=user.username,
        details={"role": user.role, "unit": user.unit, "via": "admin"},
    )


def logout_everywhere(*, user: User) -> int:
    """End every session of the user (sessions carry the generation they were opened
    with), revoke the user's API tokens and close the user's live connections."""
    with transaction.atomic():
        locked = User.objects.select_for_update(no_key=True).get(pk=user.pk)
        revoked = _end_sessions(locked, reason="logout_everywhere")
        record(
            action="auth.logout_everywhere",
            actor=locked,
            object_type="user",
            object_id=locked.username,
            details={"generation": locked.session_generation, "tokens_revoked": revoked},
        )
    user.session_generation = locked.session_generation
    return locked.session_generation


def password_change(*, user: User, new_password: str) -> int:
    """The user's own password change (the page checked the old password and the
    validators): every other session ends. Returns the new generation, which the
    caller's own session takes so that it stays valid."""
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages)) from exc
    with transaction.atomic():
        locked = User.objects.select_for_update(no_key=True).get(pk=user.pk)
        locked.set_password(new_password)
        locked.save(update_fields=["password"])
        _end_sessions(locked, reason="password_changed", revoke_tokens=False)
        record(
            action="auth.password_changed",
            actor=locked,
            object_type="user",
            object_id=locked.username,
            details={"generation": locked.session_generation},
        )
    user.password, user.session_generation = locked.password, locked.session_generation
    return locked.session_generation


def password_change_refused(*, user: User) -> None:
    """A wrong current password on the password change page (audited, nothing changes)."""
    with transaction.atomic():
        record(
            action="auth.password_change_failed",
            actor=user,
            object_type="user",
            object_id=user.username,
            outcome="failure",
        )


def token_create(
    *,
    user: User,
    name: str = "",
    scope: str = TokenScope.WRITE,
    expires_days: int = TOKEN_DEFAULT_DAYS,
    actor: Any = None,
) -> tuple[ApiToken, str]:
    """Return the token row and the token itself, which is never stored and shown once.

    `scope` read refuses every unsafe method; the token stops working after
    `expires_days` (1 to TOKEN_MAX_DAYS)."""
    if not user.is_active:
        raise AccountError(_("The user is deactivated."))
    if scope not in TokenScope.values:
        raise AccountError(
            _("Unknown scope %(scope)s; one of: %(scopes)s.")
            % {"scope": scope, "scopes": ", ".join(TokenScope.values)}
        )
    if not 1 <= expires_days <= TOKEN_MAX_DAYS:
        raise AccountError(_("A token lasts from 1 to %(max)d days.") % {"max": TOKEN_MAX_DAYS})
    raw = new_token()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            prefix=raw[:12],
            token_hash=token_hash(raw),
            scope=scope,
            expires_at=timezone.now() + timedelta(days=expires_days),
        )
        record(
            action="token.created",
            actor=actor if actor is not None else user,
            object_type="api_token",
            object_id=token.pk,
            details={
                "user": user.username,
                "name": token.name,
                "prefix": token.prefix,
                "scope": scope,
                "expires_at": token.expires_at.isoformat(),
            },
        )
    return token, raw


def token_revoke(*, token_id: int, user: User | None = None, actor: Any = None) -> ApiToken:
    """Revoke a token; with `user`, only that user's own token (else AccountError)."""
    with transaction.atomic():
        tokens = ApiToken.objects.select_for_update(no_key=True).filter(pk=token_id)
        if user is not None:
            tokens = tokens.filter(user=user)
        token = tokens.select_related("user").first()
        if token is None:
            raise AccountError(_("No such token."))
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record(
                action="token.revoked",
                actor=actor if actor is not None else token.user,
                object_type="api_token",
                object_id=token.pk,
                details={"user": token.user.username, "prefix": token.prefix},
            )
    return token


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def totp_enrolment_device(user: User) -> TOTPDevice:
    """The unconfirmed device shown on the enrolment page (the same one on every reload)."""
    if confirmed_device(user) is not None:
        raise AccountError(_("Two-factor authentication is already set up."))
    with transaction.atomic():
        User.objects.select_for_update(no_key=True).get(pk=user.pk)
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = _new_device(user, None, confirmed=False)
    return device


def _verify(device: TOTPDevice, code: str) -> bool:
    """Inside a transaction: lock the device, enforce the step rules, verify once."""
    locked = TOTPDevice.objects.select_for_update(no_key=True).get(pk=device.pk)
    locked.tolerance = 0
    locked.drift = 0
    locked.step = TOTP_STEP
    code = code.strip()
    ok = bool(code.isdigit() and len(code) == locked.digits and locked.verify_token(code))
    if ok:
        device.refresh_from_db()
    return ok


def totp_verify(*, user: User, code: str) -> TOTPDevice | None:
    """Second factor at login: the confirmed device accepting `code`, or None (audited)."""
    device = confirmed_device(user)
    if device is None:
        return None
    with transaction.atomic():
        ok = _verify(device, code)
        record(
            action="auth.login" if ok else "auth.totp_failed",
            actor=user,
            object_type="user",
            object_id=user.username,
            outcome="success" if ok else "failure",
            details={"factor": "totp"},
        )
    return device if ok else None


def totp_confirm(*, user: User, code: str) -> TOTPDevice | None:
    """Enrolment: the first correct code confirms the device (audited either way)."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update(no_key=True)
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None or confirmed_device(user) is not None:
            return None
        ok = _verify(device, code)
        if ok:
            TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
            TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
            device.refresh_from_db()
            record(
                action="auth.totp_enrolled",
                actor=user,
                object_type="user",
                object_id=user.username,
            )
            record(
                action="auth.login",
                actor=user,
                object_type="user",
                object_id=user.username,
                details={"factor": "totp", "enrolment": True},
            )
        else:
            record(
                action="auth.totp_failed",
                actor=user,
                object_type="user",
                object_id=user.username,
                outcome="failure",
                details={"enrolment": True},
            )
    return device if ok else None


def totp_reset(*, user: User, actor: Any = None, via: str = "") -> int:
    """Remove the user's TOTP devices (lost phone); the next login goes to enrolment.
    Whoever holds the phone must not keep a way in: sessions, tokens, live connections end."""
    with transaction.atomic():
        locked = User.objects.select_for_update(no_key=True).get(pk=user.pk)
        deleted, _counts = TOTPDevice.objects.filter(user=locked).delete()
        revoked = _end_sessions(locked, reason="totp_reset")
        details: dict[str, Any] = {"devices_removed": deleted, "tokens_revoked": revoked}
        if via:
            details["via"] = via
        record(
            action="auth.totp_reset",
            actor=actor,
            object_type="user",
            object_id=locked.username,
            details=details,
        )
    user.session_generation = locked.session_generation
    return int(deleted)


def admin_viewed(*, actor: Any, object_type: str, object_id: str, view: str) -> None:
    """An administrator opened a page of the Django admin showing security data (a
    user, OTP devices, API tokens): which page of which object, never what it showed."""
    with transaction.atomic():
        record(
            action="admin.viewed",
            actor=actor,
            object_type=object_type,
            object_id=object_id[:128],
            details={"view": view},
        )


def audit_login_event(
    action: str, *, user: Any = None, username: str = "", outcome: str = "success"
) -> None:
    """Signal receivers' entry point: login steps, failures, lockouts and logouts."""
    with transaction.atomic():
        record(
            action=action,
            actor=user,
            object_type="user",
            object_id=username or (user.get_username() if user is not None else ""),
            outcome=outcome,
            details={"username": username} if username else {},
        )


def second_factor_required(*, user: Any, path: str) -> None:
    """A logged-in user who has not passed TOTP asked for a protected page (refused)."""
    with transaction.atomic():
        record(
            action="auth.second_factor_required",
            actor=user,
            object_type="path",
            object_id=path[:128],
            outcome="denied",
        )
