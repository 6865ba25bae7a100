"""A desk whose group membership the channel layer forgot (Redis restarted empty) still
gets its alerts: the consumer rejoins and replays from the database every REFRESH_SECONDS.

Real ASGI application and consumer (tests.alerts.test_sessions_end's Desk), the real
alert service, and the suite's channel layer (in memory, or Redis in the CI's second pass).
"""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from alerts import consumers, events
from alerts import services as alerts
from tests.accounts.helpers import create_user
from tests.alerts.test_sessions_end import Desk, _cookie, _open

pytestmark = pytest.mark.django_db(transaction=True)


async def _forget_membership(group: str) -> None:
    """What a Redis restart does to the layer: the group is gone."""
    layer: Any = get_channel_layer()
    if hasattr(layer, "groups"):  # InMemoryChannelLayer
        layer.groups.clear()
    else:  # channels_redis: the group's sorted set
        connection = layer.connection(layer.consistent_hash(group))
        await connection.delete(layer._group_key(group))


def test_a_desk_gets_an_alert_raised_after_the_layer_forgot_its_group(monkeypatch) -> None:
    monkeypatch.setattr(consumers, "REFRESH_SECONDS", 0.5)
    user = create_user("p.ws.refresh", "prosecutor")
    cookie = _cookie(user)

    async def scenario() -> dict[str, Any]:
        desk = Desk(cookie)
        await _open(desk)
        # A consumer takes one frame at a time: the pong means its first replay is over.
        await desk.send_json_to({"type": "ping", "t": 1})
        assert await desk.receive_json_from() == {"type": "pong", "t": 1}
        await _forget_membership(events.group_name(user.pk))
        await database_sync_to_async(
            lambda: alerts.alert_raise(
                kind="k", title="After the restart", urgency="urgent", users=[user]
            )
        )()
        frame: dict[str, Any] = await desk.receive_json_from(timeout=10)
        await desk.disconnect()
        return frame

    frame = async_to_sync(scenario)()
    assert frame["type"] == "alert.paged" and frame["alert"]["title"] == "After the restart"
