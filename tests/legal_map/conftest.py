"""Users whose sessions passed TOTP, without depending on the login pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User


def make_user(username: str, role: str) -> User:
    user = User.objects.create_user(username=username, password="Correct-horse-battery-9")
    user.role = role
    user.save()
    TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    return user


def verified(client: Client, user: User) -> Client:
    """force_login plus otp_login: the session of a user who passed password and TOTP."""
    client.force_login(user)
    request: Any = type("R", (), {})()
    request.session = client.session
    request.user = user
    otp_login(request, TOTPDevice.objects.get(user=user))
    request.session["session_generation"] = user.session_generation
    request.session.save()
    return client


@pytest.fixture
def prosecutor(db: Any) -> User:
    return make_user("lm-prosecutor", "prosecutor")


@pytest.fixture
def coordinator(db: Any) -> User:
    return make_user("lm-coordinator", "coordinator")
