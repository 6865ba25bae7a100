"""Per-user event stream: the database row first, the WebSocket push after commit.

Each user's events carry a gap-free sequence number taken from `EventCursor` inside the
transaction that creates the event (the cursor row is updated first, so two writers for
the same user queue on its lock). A push through the channel layer is best effort: a
client that missed one sees a gap (or reconnects) and replays from the database.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import translation

from alerts import labels, subjects
from alerts.models import Alert, AlertEvent, EventCursor

logger = logging.getLogger(__name__)


# Close code of a duty-desk WebSocket whose user's sessions ended (log out everywhere,
# deactivation, TOTP reset, password change). 4401: never authenticated.
SESSION_ENDED = 4403


def group_name(user_id: int) -> str:
    return f"alerts_user_{user_id}"


def alert_data(alert: Alert) -> dict[str, Any]:
    """What a desk needs to draw the alert's card: codes and instants, no words (the
    page holds the words of its language, alerts/desk_text.py)."""
    by = alert.acknowledged_by if alert.acknowledged_by_id else None
    steps = alert.snapshot.get("steps", []) if isinstance(alert.snapshot, dict) else []
    next_action = (
        steps[alert.next_step].get("action", "")
        if alert.next_step_at is not None and alert.next_step < len(steps)
        else ""
    )
    return {
        "id": alert.pk,
        "kind": alert.kind,
        # In the active language (the node's, from a task); `params` lets each desk's
        # connection word them again in its reader's language (`worded`).
        "title": labels.alert_title(alert),
        "summary": labels.alert_summary(alert),
        "params": alert.params if isinstance(alert.params, dict) else {},
        "urgency": alert.urgency,
        "state": alert.state,
        "origin": alert.origin,
        "envelope_id": alert.envelope_id,
        "object_type": alert.object_type,
        "object_id": alert.object_id,
        "created_at": alert.created_at.isoformat() if alert.created_at else None,
        "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
        "acknowledged_by_name": (by.get_full_name() or by.username) if by is not None else None,
        "group": alert.group_id,
        "group_size": alert.group_size,
        "url": subjects.url_of(alert),
        "detail_url": reverse("alerts:detail", args=[alert.pk]),
        "next_step_at": alert.next_step_at.isoformat() if alert.next_step_at else None,
        "next_action": next_action,
    }


def event_frame(event: AlertEvent) -> dict[str, Any]:
    return {"type": event.type, "seq": event.seq, "alert": event.data}


def worded(frame: dict[str, Any], language: str) -> dict[str, Any]:
    """The frame with its alert's title and summary in `language`, the reader's.

    An event is stored worded in the language of whoever raised it (a task: the node's).
    An alert the node raised itself carries its values (`params`) and is worded again as
    the page words it (`alerts.labels`); a peer's words, and events stored without
    `params`, stay as they are."""
    data = frame.get("alert")
    if not isinstance(data, dict) or not data.get("params"):
        return frame
    alert = SimpleNamespace(
        kind=data.get("kind", ""),
        params=data["params"],
        title=data.get("title", ""),
        summary=data.get("summary", ""),
    )
    with translation.override(language):
        title, summary = labels.alert_title(alert), labels.alert_summary(alert)
    return {**frame, "alert": {**data, "title": title, "summary": summary}}


def emit(user_id: int, alert: Alert, type: str) -> AlertEvent:
    """Append an event for a user (inside the caller's transaction); push after commit."""
    if not EventCursor.objects.filter(user_id=user_id).update(last_seq=F("last_seq") + 1):
        EventCursor.objects.get_or_create(user_id=user_id)  # the user's first event
        EventCursor.objects.filter(user_id=user_id).update(last_seq=F("last_seq") + 1)
    seq = EventCursor.objects.values_list("last_seq", flat=True).get(user_id=user_id)
    event = AlertEvent.objects.create(
        user_id=user_id, seq=seq, alert=alert, type=type, data=alert_data(alert)
    )
    frame = event_frame(event)
    transaction.on_commit(lambda: push(user_id, frame))
    return event


def push(user_id: int, frame: dict[str, Any]) -> None:
    """Best effort: a dropped push is recovered by the client's replay."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            group_name(user_id), {"type": "alert.event", "frame": frame}
        )
    except Exception:  # the database holds the event; never fail the caller for a push
        logger.warning("push to user %s failed", user_id, exc_info=True)


def close_connections(user_id: int, generation: int) -> None:
    """Ask every open desk of the user opened under an older generation to close (best
    effort: each consumer also checks the generation in the database before each event)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            group_name(user_id), {"type": "session.ended", "generation": generation}
        )
    except Exception:  # the database holds the new generation; consumers check it
        logger.warning("closing the connections of user %s failed", user_id, exc_info=True)


def events_after(
    user_id: int, seq: int, limit: int = 500, language: str | None = None
) -> list[dict[str, Any]]:
    """The user's events after `seq`, worded in `language` when given (`worded`)."""
    rows = AlertEvent.objects.filter(user_id=user_id, seq__gt=seq).order_by("seq")[:limit]
    frames = [event_frame(e) for e in rows]
    return [worded(f, language) for f in frames] if language else frames
