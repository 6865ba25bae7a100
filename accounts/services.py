"""Every change to accounts happens here, each in a transaction with its audit entry.

TOTP rules (issue 2): a code is accepted only within its own 30-second step (tolerance 0,
no drift) and never twice. django-otp's TOTPDevice keeps `last_t`, the last step accepted,
and refuses any step not after it; we lock the device row while verifying so that two
concurrent submissions of one code cannot both pass.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiToken, Role, User
from accounts.tokens import new_token, token_hash
from audit.services import record

TOTP_STEP = 30
TOTP_DEVICE_NAME = "default"


class AccountError(ValueError):
    """A refused account operation; the message is safe to show to an operator."""


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


def user_set_role(*, user: User, role: str, actor: Any = None) -> User:
    _check_role(role)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = locked.role
        locked.role = role
        locked.is_staff = locked.is_superuser = role == Role.ADMIN
        locked.save(update_fields=["role", "is_staff", "is_superuser"])
        record(
            action="user.role_changed",
            actor=actor,
            object_type="user",
            object_id=locked.username,
            details={"from": before, "to": role},
        )
    return locked


def user_deactivate(*, user: User, actor: Any = None) -> User:
    """Deactivate, end every session (generation bump) and revoke every token."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.is_active = False
        locked.session_generation += 1
        locked.save(update_fields=["is_active", "session_generation"])
        revoked = ApiToken.objects.filter(user=locked, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        record(
            action="user.deactivated",
            actor=actor,
            object_type="user",
            object_id=locked.username,
            details={"tokens_revoked": revoked},
        )
    return locked


def user_admin_saved(*, user: User, before: dict[str, Any] | None, actor: Any) -> None:
    """Audit what the Django admin changed on a user (the admin's LogEntry is audited too)."""
    if before is None:
        record(
            action="user.created",
            actor=actor,
            object_type="user",
            object_id=user.username,
            details={"role": user.role, "unit": user.unit, "via": "admin"},
        )
        return
    if before["role"] != user.role:
        record(
            action="user.role_changed",
            actor=actor,
            object_type="user",
            object_id=user.username,
            details={"from": before["role"], "to": user.role, "via": "admin"},
        )
    if before["is_active"] and not user.is_active:
        record(
            action="user.deactivated",
            actor=actor,
            object_type="user",
            object_id=user.username,
            details={"via": "admin"},
        )


def logout_everywhere(*, user: User) -> int:
    """End every session of the user: sessions carry the generation they were opened with."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.session_generation += 1
        locked.save(update_fields=["session_generation"])
        record(
            action="auth.logout_everywhere",
            actor=locked,
            object_type="user",
            object_id=locked.username,
            details={"generation": locked.session_generation},
        )
    user.session_generation = locked.session_generation
    return locked.session_generation


def token_create(*, user: User, name: str = "", actor: Any = None) -> tuple[ApiToken, str]:
    """Return the token row and the token itself, which is never stored and shown once."""
    if not user.is_active:
        raise AccountError(_("The user is deactivated."))
    raw = new_token()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name[:100], prefix=raw[:12], token_hash=token_hash(raw)
        )
        record(
            action="token.created",
            actor=actor if actor is not None else user,
            object_type="api_token",
            object_id=token.pk,
            details={"user": user.username, "name": token.name, "prefix": token.prefix},
        )
    return token, raw


def token_revoke(*, token_id: int, user: User | None = None, actor: Any = None) -> ApiToken:
    """Revoke a token; with `user`, only that user's own token (else AccountError)."""
    with transaction.atomic():
        tokens = ApiToken.objects.select_for_update().filter(pk=token_id)
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
        User.objects.select_for_update().get(pk=user.pk)
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = _new_device(user, None, confirmed=False)
    return device


def _verify(device: TOTPDevice, code: str) -> bool:
    """Inside a transaction: lock the device, enforce the step rules, verify once."""
    locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
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
            TOTPDevice.objects.select_for_update()
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


def totp_reset(*, user: User, actor: Any = None) -> int:
    """Remove the user's TOTP devices (lost phone); the next login goes to enrolment."""
    with transaction.atomic():
        deleted, _counts = TOTPDevice.objects.filter(user=user).delete()
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.session_generation += 1
        locked.save(update_fields=["session_generation"])
        record(
            action="auth.totp_reset",
            actor=actor,
            object_type="user",
            object_id=user.username,
            details={"devices_removed": deleted},
        )
    return int(deleted)


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
