"""Stable helpers for every app's tests: users, TOTP codes, logged-in clients and browsers.

- create_user(username, role, unit="", password=PASSWORD, totp=True) -> User
  through accounts.services.user_create (audited); with totp=True a confirmed TOTP device
  is pre-enrolled and its base32 secret is `totp_secret(user)`.
- totp_code(user, at=None) -> str: the code of the user's device for time `at` (epoch
  seconds or datetime; default now).
- code_for_secret(secret, at=None) -> str: the same from a base32 secret (no database).
- verified_client(client, user) -> client: a Django test client whose session passed
  password and TOTP, exactly as the login pages leave it.
- login_browser(page, base_url, username, password, totp_secret): drives the real login
  pages with Playwright. A TOTP code is accepted only once, so it waits for a fresh
  30-second step when this process already used the current one for that secret.
- launch_chromium(playwright): Chromium with the project's flags, or pytest.skip when
  /usr/bin/chromium is missing.
"""

from __future__ import annotations

import base64
import secrets
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import User

PASSWORD = "Correct-horse-battery-9"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STEP = 30

# secret -> last 30-second step this process submitted (codes are single-use).
_used_steps: dict[str, int] = {}


def new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def create_user(
    username: str,
    role: str,
    unit: str = "",
    password: str = PASSWORD,
    *,
    totp: bool = True,
    email: str = "",
    phone: str = "",
) -> User:
    return services.user_create(
        username=username,
        role=role,
        password=password,
        unit=unit,
        email=email,
        phone=phone,
        totp_secret=new_secret() if totp else None,
    )


def _device(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "pk").first()
    if device is None:
        raise LookupError(f"{user.username} has no TOTP device (create_user(totp=True))")
    return device


def totp_secret(user: User) -> str:
    return services.device_secret(_device(user))


def _epoch(at: float | datetime | None) -> float:
    if at is None:
        return time.time()
    if isinstance(at, datetime):
        return at.timestamp()
    return float(at)


def code_for_secret(secret: str, at: float | datetime | None = None) -> str:
    key = bytes.fromhex(services.secret_to_hex(secret))
    generator = TOTP(key, step=STEP, t0=0, digits=6, drift=0)
    generator.time = _epoch(at)
    return f"{generator.token():06d}"


def totp_code(user: User, at: float | datetime | None = None) -> str:
    return code_for_secret(totp_secret(user), at)


def fresh_code(secret: str) -> str:
    """A code of a step this process has not submitted yet (waits up to 30 s), with at
    least two seconds left in its step so that it does not expire on the way."""
    while True:
        now = time.time()
        step = int(now) // STEP
        left = STEP - (now % STEP)
        if step > _used_steps.get(secret, -1) and left > 2:
            _used_steps[secret] = step
            return code_for_secret(secret, now)
        time.sleep(left + 0.05)


def verified_client(client: Client, user: User) -> Client:
    """Log `client` in as `user` with a session that passed TOTP (device created if none)."""
    device = services.confirmed_device(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="default", confirmed=True, tolerance=0)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session["session_generation"] = User.objects.get(pk=user.pk).session_generation
    session.save()
    return client


def admin_form_data(client: Client, url: str) -> dict[str, Any]:
    """What the admin's change form at `url` would post back unchanged (the password and
    disabled fields left out, dates split as its widgets split them)."""
    form = client.get(url).context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or name == "password" or field.disabled:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif hasattr(value, "strftime"):
            local = value.astimezone()
            data[f"{name}_0"], data[f"{name}_1"] = f"{local:%Y-%m-%d}", f"{local:%H:%M:%S}"
        elif isinstance(value, list):
            data[name] = [getattr(v, "pk", v) for v in value]
        else:
            data[name] = value
    return data


def login_browser(page: Any, base_url: str, username: str, password: str, totp_secret: str) -> None:
    """Password step then TOTP step on the real pages; returns on the page after login."""
    base = base_url.rstrip("/")
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/totp/**")
    page.fill("input[name=code]", fresh_code(totp_secret))
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/totp/" not in url and "/accounts/login" not in url)


def launch_chromium(playwright: Any) -> Any:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
