"""Rota set-ups shared by the alerts tests (through the real services)."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from alerts import services
from tests.factories import user as create_user


def person(username: str, role: str = "prosecutor", *, webhook: str = "", email: str = "") -> User:
    user = create_user(username, role)
    services.channel_add(user=user, kind="email", target=email or f"{username}@example.org")
    if webhook:
        services.channel_add(user=user, kind="webhook", target=webhook)
    return user


def rota(*usernames: str, **kwargs: Any) -> None:
    """A published daily rota of these users, the first on call now."""
    services.schedule_set(
        name=kwargs.get("name", "default"),
        usernames=list(usernames),
        handoff=time(0, 0),
        rotation="daily",
        start=timezone.localdate() - timedelta(days=0),
    )
