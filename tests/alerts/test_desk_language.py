"""The duty desk's live cards in the reader's language: an alert the node raises (a task,
in the node's default language) reaches an English desk in English, pushed or replayed,
through the real ASGI application (as tests/alerts/test_sessions_end.py opens it)."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import transaction
from django.utils import translation

from accounts.models import User
from alerts import services as alerts
from tests.accounts.helpers import create_user
from tests.alerts.test_sessions_end import Desk, _cookie, _open

pytestmark = pytest.mark.django_db(transaction=True)


def _raise(user: User, country: str) -> None:
    with translation.override("ru"), transaction.atomic():
        alerts.alert_raise(
            kind="delivery_failed",
            title=f"Доставка в {country} не удалась",
            urgency="urgent",
            params={"country": country},
            users=[user],
        )


def _frames(cookie: bytes, first: dict[str, Any], user: User) -> list[dict[str, Any]]:
    async def scenario() -> list[dict[str, Any]]:
        desk = Desk(cookie)
        await _open(desk, first)
        replayed = await desk.receive_json_from()
        await database_sync_to_async(_raise)(user, "UZ")
        pushed = await desk.receive_json_from()
        await desk.disconnect()
        return [replayed, pushed]

    frames: list[dict[str, Any]] = async_to_sync(scenario)()
    return frames


def test_live_and_replayed_cards_are_in_the_readers_language() -> None:
    user = create_user("p.ws.lang", "prosecutor")
    session = _cookie(user)
    _raise(user, "KZ")  # before the desk opens: replayed

    # The page was drawn in English and says so in its first frame.
    replayed, pushed = _frames(session, {"last_seq": 0, "language": "en"}, user)
    assert replayed["alert"]["title"] == "Delivery to Kazakhstan failed"
    assert pushed["type"] == "alert.paged"
    assert pushed["alert"]["title"] == "Delivery to Uzbekistan failed"

    # Without it, the session's language cookie decides, as it does for the pages.
    replayed, pushed = _frames(
        session + b"; django_language=en", {"last_seq": pushed["seq"] - 1}, user
    )
    assert replayed["alert"]["title"] == "Delivery to Uzbekistan failed"
    assert pushed["alert"]["title"].startswith("Delivery to Uzbekistan")

    # A Russian reader (and an unknown language) gets the node's words.
    replayed, pushed = _frames(session, {"last_seq": 0, "language": "xx"}, user)
    assert replayed["alert"]["title"] == "Не удалось доставить сообщение: Казахстан"
