"""Users and Bearer tokens for case tests (through the accounts models, no shortcuts
around authentication: requests carry a real token)."""

from __future__ import annotations

from typing import Any

from accounts import services as accounts
from accounts.models import User
from cases.models import Takedown


def user(username: str, role: str = "prosecutor", unit: str = "") -> User:
    return User.objects.create_user(
        username=username, password="x-Long-pass-1", role=role, unit=unit
    )


def bearer(u: User) -> dict[str, str]:
    _row, token = accounts.token_create(user=u, name="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


CASE: dict[str, Any] = {
    "title": "Recruitment of webcam models",
    "summary": "Adverts on Telegram promising online work.",
    "offence": {"country": "MD", "code": "CC", "article": "220/1", "part": "1"},
    "facts": ["adult_victim", "online", "webcam"],
    "urgency": "urgent",
    "indicators": [
        {"kind": "phone", "value": "+373 69 123 456"},
        {"kind": "domain", "value": "Models-Work.example.md"},
        {"kind": "telegram", "value": "@ModelsWork"},
    ],
}


def takedown(owner: User, request_ref: str, **fields: Any) -> Takedown:
    """A takedown of ours, written directly (no message sent): KZ art. 309, block, urgent;
    `fields` override any of them."""
    values: dict[str, Any] = {
        "targets": [{"domain": "models-work.example.md"}],
        "legal_country": "KZ",
        "legal_code": "CC",
        "legal_article": "309",
        "requested_action": "block",
        "urgency": "urgent",
        "envelope_id": "e",
        **fields,
    }
    return Takedown.objects.create(request_ref=request_ref, created_by=owner, **values)
