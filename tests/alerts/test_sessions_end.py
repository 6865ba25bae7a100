"""Issue 17, problem 8: ending a user's sessions closes the user's open duty desks.

Real WebSocket through the project's ASGI application (origin check, session cookie,
the consumer) driven by asgiref's communicator (channels' own needs daphne, which the
project does not install); the services are the real ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db.models import F
from django.test import Client

from accounts import services as accounts
from accounts.models import ApiToken, User
from alerts import events
from alerts import services as alerts
from net247.asgi import application
from tests.accounts.helpers import create_user, verified_client

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 5


def _cookie(user: User) -> bytes:
    client = verified_client(Client(), user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


# asgiref's communicator is untyped.
COMMUNICATOR: Any = ApplicationCommunicator


class Desk:
    """A browser's duty desk at ws/alerts/, as the ASGI server hands it to the app."""

    def __init__(self, cookie: bytes = b"") -> None:
        headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
        if cookie:
            headers.append((b"cookie", cookie))
        scope = {
            "type": "websocket",
            "path": "/ws/alerts/",
            "raw_path": b"/ws/alerts/",
            "query_string": b"",
            "headers": headers,
            "subprotocols": [],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        self.io = COMMUNICATOR(application, scope)

    async def receive_output(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        message: dict[str, Any] = await self.io.receive_output(timeout)
        return message

    async def connect(self, timeout: float = TIMEOUT) -> tuple[bool, Any]:
        await self.io.send_input({"type": "websocket.connect"})
        message = await self.receive_output(timeout)
        return message["type"] == "websocket.accept", message

    async def send_json_to(self, data: dict[str, Any]) -> None:
        await self.io.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def receive_json_from(self, timeout: float = TIMEOUT) -> Any:
        message = await self.receive_output(timeout)
        assert message["type"] == "websocket.send", message
        return json.loads(message["text"])

    async def disconnect(self, code: int = 1000) -> None:
        await self.io.send_input({"type": "websocket.disconnect", "code": code})
        await self.io.wait(TIMEOUT)


def _desk(cookie: bytes = b"") -> Desk:
    return Desk(cookie)


async def _open(desk: Desk, first: dict[str, Any] | None = None) -> dict[str, Any]:
    connected, _ = await desk.connect(timeout=TIMEOUT)
    assert connected
    await desk.send_json_to(first or {"last_seq": 0})
    hello: dict[str, Any] = await desk.receive_json_from(timeout=TIMEOUT)
    return hello


async def _closed_with(desk: Desk) -> int | None:
    """The close code the server sent, skipping nothing: a frame first is a failure."""
    message = await desk.receive_output(timeout=TIMEOUT)
    assert message["type"] == "websocket.close", message
    code: int | None = message.get("code")
    return code


ENDINGS: dict[str, Callable[[User], Any]] = {
    "logout_everywhere": lambda user: accounts.logout_everywhere(user=user),
    "deactivate": lambda user: accounts.user_deactivate(user=user),
    "totp_reset": lambda user: accounts.totp_reset(user=user),
}


@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_ending_the_sessions_closes_the_desk_and_revokes_the_tokens(ending: str) -> None:
    user = create_user(f"p.ws.{ending}", "prosecutor")
    cookie = _cookie(user)
    _token, raw = accounts.token_create(user=user, name="script")

    async def scenario() -> int | None:
        desk = _desk(cookie)
        hello = await _open(desk)
        assert hello["type"] == "hello" and hello["user"] == user.username
        await database_sync_to_async(ENDINGS[ending])(user)
        code = await _closed_with(desk)
        await desk.disconnect()
        return code

    assert async_to_sync(scenario)() == events.SESSION_ENDED
    assert ApiToken.objects.get(user=user).revoked_at is not None
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/accounts/me").status_code == 401


def test_a_desk_refuses_events_once_the_generation_changed_even_without_the_message() -> None:
    """The closing message is best effort: with it lost (the generation changed behind
    the consumer's back), the next event is not forwarded and the desk closes."""
    user = create_user("p.ws.lost", "prosecutor")
    cookie = _cookie(user)
    frame = {"type": "alert.paged", "seq": 1, "alert": {"id": 1, "title": "secret"}}

    async def scenario() -> dict[str, Any]:
        desk = _desk(cookie)
        await _open(desk)
        await database_sync_to_async(
            lambda: User.objects.filter(pk=user.pk).update(
                session_generation=F("session_generation") + 1
            )
        )()
        layer = get_channel_layer()
        await layer.group_send(events.group_name(user.pk), {"type": "alert.event", "frame": frame})
        message: dict[str, Any] = await desk.receive_output(timeout=TIMEOUT)
        await desk.disconnect()
        return message

    message = async_to_sync(scenario)()
    assert message == {"type": "websocket.close", "code": events.SESSION_ENDED}


def test_a_desk_of_another_user_stays_open() -> None:
    ended = create_user("p.ws.ended", "prosecutor")
    other = create_user("p.ws.other", "prosecutor")
    ended_cookie, other_cookie = _cookie(ended), _cookie(other)

    async def scenario() -> tuple[int | None, dict[str, Any]]:
        mine, theirs = _desk(ended_cookie), _desk(other_cookie)
        await _open(mine)
        await _open(theirs)
        await database_sync_to_async(accounts.logout_everywhere)(user=ended)
        code = await _closed_with(mine)
        await theirs.send_json_to({"type": "ping", "t": 1})
        pong: dict[str, Any] = await theirs.receive_json_from(timeout=TIMEOUT)
        await mine.disconnect()
        await theirs.disconnect()
        return code, pong

    code, pong = async_to_sync(scenario)()
    assert code == events.SESSION_ENDED and pong == {"type": "pong", "t": 1}


def test_a_ticket_issued_before_log_out_everywhere_opens_nothing() -> None:
    user = create_user("p.ws.ticket", "prosecutor")
    ticket = alerts.ws_ticket_create(user=user)
    accounts.logout_everywhere(user=user)

    async def scenario() -> int | None:
        desk = _desk()
        connected, _ = await desk.connect(timeout=TIMEOUT)
        assert connected
        await desk.send_json_to({"ticket": ticket, "last_seq": 0})
        code = await _closed_with(desk)
        await desk.disconnect()
        return code

    assert async_to_sync(scenario)() == 4401


def test_an_old_session_cookie_opens_nothing_after_log_out_everywhere() -> None:
    user = create_user("p.ws.cookie", "prosecutor")
    cookie = _cookie(user)
    accounts.logout_everywhere(user=user)

    async def scenario() -> int | None:
        desk = _desk(cookie)
        connected, _ = await desk.connect(timeout=TIMEOUT)
        assert connected
        await desk.send_json_to({"last_seq": 0})
        code = await _closed_with(desk)
        await desk.disconnect()
        return code

    assert async_to_sync(scenario)() == 4401
