"""The duty desk's WebSocket at ws/alerts/: authenticate, replay from the database, push.

Authentication, no secret in the URL: either the session cookie of a session that passed
TOTP, or a single-use ticket (POST /api/v1/alerts/ws-ticket/) in the first frame.
First client frame: {"ticket"?: str, "last_seq": int, "language"?: str}. The server
replays every event with seq > last_seq from the database, then forwards live pushes; a
push whose seq is not the next one (a dropped push) triggers a replay from the database
instead. Every alert sent is worded in the reader's language (`events.worded`): the one
the desk page was drawn in (`language`, the page's <html lang>), else the session's
language cookie, else the node's default.
Frames out: {"type": "hello", "user", "last_seq"}, {"type": "alert.paged"|..., "seq",
"alert"}, {"type": "pong"}. A client {"type": "ping"} is answered at once (echo floor).

Sessions end (issue 17): a connection belongs to the user's session generation it was
opened under. When accounts ends the user's sessions (log out everywhere, deactivation,
TOTP reset, password change) alerts sends `session.ended` to the user's group and the
consumer closes with code 4403 (`events.SESSION_ENDED`). That message is best effort, so
the database stays the truth: before each event sent the consumer checks that the user
is active with the same generation (`accounts.selectors.session_current`), and closes
with 4403 otherwise; a check right after joining the group covers an end that came
between authentication and joining.

Pushes are at most once, and group membership lives in the channel layer (Redis in
production): a Redis that restarts empty forgets every desk's group. So every
REFRESH_SECONDS an authenticated connection joins its group again (idempotent) and
replays from the database whatever it has not sent: a lost push or a lost membership
delays an event by at most that long, and never loses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.selectors import session_current
from alerts import events, services

logger = logging.getLogger(__name__)
AUTH_TIMEOUT = 10.0
REFRESH_SECONDS = 15.0


def _language(scope: dict[str, Any], asked: Any) -> str:
    """The reader's language: the one the page asked for, else the language cookie (as
    LocaleMiddleware reads it for the pages), else the node's default."""
    supported = {code for code, _name in settings.LANGUAGES}
    cookie = scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME)
    for candidate in (asked, cookie):
        if isinstance(candidate, str) and candidate in supported:
            return candidate
    return str(settings.LANGUAGE_CODE)


def _session_user(scope: dict[str, Any]) -> Any:
    user = scope.get("user")
    session = scope.get("session")
    if user is None or not user.is_authenticated or session is None:
        return None
    if not session.get(DEVICE_ID_SESSION_KEY):
        return None  # password only: the second factor was not passed
    generation = session.get("session_generation")
    if generation is not None and generation != getattr(user, "session_generation", 0):
        return None
    return user


class AlertConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    user_id: int | None = None
    generation: int = 0
    ended: bool = False
    sent_seq: int = 0
    language: str = ""
    group: str = ""
    _refresher: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        self.user_id = None
        self.ended = False
        self._refresher = None
        self._lock = asyncio.Lock()
        await self.accept()
        self._timeout = asyncio.get_running_loop().call_later(AUTH_TIMEOUT, self._expire)

    def _expire(self) -> None:
        if self.user_id is None:
            self._closing = asyncio.ensure_future(self.close(code=4401))

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "ping":
            await self.send_json({"type": "pong", "t": content.get("t")})
            return
        if self.user_id is None and not self.ended:
            await self._authenticate(content)

    async def _authenticate(self, content: dict[str, Any]) -> None:
        user = await database_sync_to_async(_session_user)(self.scope)
        ticket = content.get("ticket")
        if user is None and isinstance(ticket, str):
            user = await database_sync_to_async(services.ws_ticket_redeem)(ticket)
        if user is None:
            await self.close(code=4401)
            return
        self._timeout.cancel()
        self.user_id = int(user.pk)
        self.generation = int(user.session_generation)
        last = content.get("last_seq", 0)
        self.sent_seq = last if isinstance(last, int) and last >= 0 else 0
        self.language = _language(self.scope, content.get("language"))
        self.group = events.group_name(self.user_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        if not await self._still_current():
            return
        await self.send_json({"type": "hello", "user": user.username, "last_seq": self.sent_seq})
        await self._replay()
        self._refresher = asyncio.ensure_future(self._refresh_forever())

    async def _refresh_forever(self) -> None:
        """Rejoin the group and catch up from the database, every REFRESH_SECONDS."""
        while not self.ended:
            await asyncio.sleep(REFRESH_SECONDS)
            try:
                await self.channel_layer.group_add(self.group, self.channel_name)
            except Exception:  # the layer is down: the replay below still reads the database
                logger.warning("desk of user %s could not rejoin its group", self.user_id)
            await self._replay()

    async def _still_current(self) -> bool:
        """The database's word on this connection's session; closes (4403) if it ended."""
        assert self.user_id is not None
        if await database_sync_to_async(session_current)(self.user_id, self.generation):
            return True
        await self._end_session()
        return False

    async def _end_session(self) -> None:
        if not self.ended:
            self.ended = True  # nothing more is sent or taken on this connection
            await self.close(code=events.SESSION_ENDED)

    async def session_ended(self, message: dict[str, Any]) -> None:
        generation = message.get("generation")
        if self.user_id is None or not isinstance(generation, int):
            return
        if generation > self.generation:
            await self._end_session()

    async def _replay(self) -> None:
        if self.ended or not await self._still_current():
            return
        assert self.user_id is not None
        async with self._lock:
            frames = await database_sync_to_async(events.events_after)(
                self.user_id, self.sent_seq, language=self.language
            )
            for frame in frames:
                await self.send_json(frame)
                self.sent_seq = frame["seq"]

    async def alert_event(self, message: dict[str, Any]) -> None:
        if self.user_id is None or self.ended:
            return
        frame = message["frame"]
        if frame["seq"] <= self.sent_seq:
            return
        if not await self._still_current():
            return
        if frame["seq"] == self.sent_seq + 1 and not self._lock.locked():
            self.sent_seq = frame["seq"]
            await self.send_json(await database_sync_to_async(events.worded)(frame, self.language))
            return
        await self._replay()

    async def disconnect(self, code: int) -> None:
        if getattr(self, "_timeout", None) is not None:
            self._timeout.cancel()
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
