"""Alerts write side: raise, acknowledge, resolve; rota and policy edits; tickets.

Every change runs in a transaction with its audit entry; an acknowledgement of an alert
raised by a peer's message writes the `alert.ack` outbox row in the same transaction.
The escalation state machine is described in alerts/escalation.py.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from alerts import escalation, events, rota, selectors
from alerts.models import (
    Alert,
    AlertState,
    ChannelKind,
    EscalationPolicy,
    Layer,
    NotificationChannel,
    Override,
    Rotation,
    Schedule,
    Urgency,
    WsTicket,
)
from audit.services import record
from node import rows

TICKET_TTL = timedelta(seconds=60)


class AlertsError(ValueError):
    """Bad input; `field` names the offending field (API: 400 with field errors)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def alert_raise(
    *,
    kind: str,
    title: str,
    urgency: str,
    summary: str = "",
    object_type: str = "",
    object_id: str = "",
    origin: str = "",
    envelope_id: str = "",
    users: list[Any] | None = None,
    dedupe_key: str | None = None,
) -> Alert:
    """Raise an alert and run its first escalation step, in the caller's transaction.

    `users` (User objects or ids) are paged first, then the urgency's policy; a repeated
    raise with the same `dedupe_key` returns the existing alert and pages nobody."""
    if urgency not in Urgency.values:
        raise AlertsError("urgency", f"one of {', '.join(Urgency.values)}")
    if not kind or not title:
        raise AlertsError("title" if kind else "kind", "required")
    user_ids = [int(getattr(u, "pk", u)) for u in users] if users else None
    # No savepoint of its own: raised from a handler or a service, it lives and dies with
    # the caller's transaction. A repeated dedupe_key inserts nothing (ON CONFLICT DO
    # NOTHING), so neither a lookup first nor a savepoint for the race is needed.
    with transaction.atomic(savepoint=False):
        now = timezone.now()
        alert = Alert(
            kind=kind[:50],
            title=title[:300],
            summary=summary,
            urgency=urgency,
            object_type=object_type,
            object_id=str(object_id),
            origin=origin,
            envelope_id=envelope_id,
            dedupe_key=dedupe_key,
            snapshot=escalation.snapshot_for(urgency, user_ids),
            next_step_at=now,
        )
        # The first step is due now: the new row is written already pointing past it,
        # so no runner can take it twice and no claim UPDATE follows.
        first = escalation.advance(alert, now)
        if not rows.insert(alert, conflict=("dedupe_key",)):
            return Alert.objects.get(dedupe_key=dedupe_key)
        record(
            action="alert.raised",
            actor=None,
            peer=origin,
            object_type="alerts.alert",
            object_id=alert.pk,
            details={"kind": kind, "urgency": urgency, "envelope_id": envelope_id},
        )
        if first is not None:
            escalation.run_claimed(alert, first, now)
    return alert


def alert_due_soon(
    *,
    object_type: str,
    object_id: str,
    title: str,
    due_at: datetime,
    users: list[Any] | None = None,
) -> Alert:
    """A due date is near: one alert per (object, due date); urgent within a day."""
    left = due_at - timezone.now()
    urgency = Urgency.URGENT if left <= timedelta(hours=24) else Urgency.ROUTINE
    return alert_raise(
        kind="due_soon",
        title=title,
        urgency=urgency,
        summary=f"due {_iso(due_at)}",
        object_type=object_type,
        object_id=object_id,
        users=users,
        dedupe_key=f"due_soon:{object_type}:{object_id}:{_iso(due_at)}",
    )


def _paged_user_ids(alert: Alert) -> list[int]:
    return sorted(set(alert.pages.values_list("user_id", flat=True)))


def alert_acknowledge(*, alert: Alert, actor: Any) -> Alert:
    """Stop the escalation; tell every paged desk; tell the origin country (alert.ack)."""
    with transaction.atomic():
        alert = Alert.objects.select_for_update(no_key=True).get(pk=alert.pk)
        if alert.state != AlertState.TRIGGERED:
            raise AlertsError("state", f"the alert is {alert.state}")
        alert.state = AlertState.ACKNOWLEDGED
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = actor
        alert.next_step_at = None
        alert.save(update_fields=["state", "acknowledged_at", "acknowledged_by", "next_step_at"])
        record(action="alert.acknowledged", actor=actor, object_type="alerts.alert",
               object_id=alert.pk, peer=alert.origin)  # fmt: skip
        for user_id in _paged_user_ids(alert):
            events.emit(user_id, alert, "alert.acknowledged")
        if alert.origin and alert.envelope_id and alert.origin != settings.NODE_COUNTRY:
            _send_ack(alert, actor)
    return alert


def _send_ack(alert: Alert, actor: Any) -> None:
    from exchange.models import InboundMessage
    from exchange.services import message_send

    inbound = InboundMessage.objects.filter(
        origin=alert.origin, envelope_id=alert.envelope_id
    ).first()
    by: dict[str, str] = {"role": str(getattr(actor, "role", "") or "prosecutor")}
    name = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    if name:
        by["name"] = name
    assert alert.acknowledged_at is not None
    message_send(
        type="alert.ack",
        to=[alert.origin],
        body={"ref": alert.envelope_id, "at": _iso(alert.acknowledged_at), "by": by},
        handling=inbound.handling if inbound is not None else "H0",
        thread=inbound.thread if inbound is not None else alert.envelope_id,
        in_reply_to=alert.envelope_id,
        actor=actor,
    )


def alert_resolve(*, alert: Alert, actor: Any) -> Alert:
    with transaction.atomic():
        alert = Alert.objects.select_for_update(no_key=True).get(pk=alert.pk)
        if alert.state == AlertState.RESOLVED:
            raise AlertsError("state", "the alert is already resolved")
        alert.state = AlertState.RESOLVED
        alert.resolved_at = timezone.now()
        alert.resolved_by = actor
        alert.next_step_at = None
        alert.save(update_fields=["state", "resolved_at", "resolved_by", "next_step_at"])
        record(action="alert.resolved", actor=actor, object_type="alerts.alert",
               object_id=alert.pk)  # fmt: skip
        for user_id in _paged_user_ids(alert):
            events.emit(user_id, alert, "alert.resolved")
    return alert


# --- rota ---------------------------------------------------------------------------


def reachable(user: User) -> bool:
    """Reachable = active and holds an active e-mail or webhook channel.

    A duty desk session is not enough: at 3 a.m. nobody sits at a desk, so a member must
    have a way to be woken (e-mail to a phone, or a webhook to an SMS/Telegram gateway)."""
    return user.is_active and NotificationChannel.objects.filter(user=user, active=True).exists()


def schedule_set(
    *,
    name: str,
    usernames: list[str],
    handoff: time,
    rotation: str,
    start: date,
    actor: Any = None,
    publish: bool = True,
) -> Schedule:
    """Replace a schedule's single layer with a rotation of these users; publish it."""
    if rotation not in Rotation.values:
        raise AlertsError("rotation", "daily or weekly")
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    missing = [n for n in usernames if n not in users]
    if missing or not usernames:
        raise AlertsError("users", f"unknown users: {', '.join(missing) or '(none)'}")
    with transaction.atomic():
        schedule, _ = Schedule.objects.get_or_create(name=name)
        schedule.layers.all().delete()
        Layer.objects.create(
            schedule=schedule,
            rotation=rotation,
            handoff=handoff,
            start=start,
            member_ids=[users[n].pk for n in usernames],
        )
        schedule.published = False
        schedule.save(update_fields=["published"])
        record(action="rota.changed", actor=actor, object_type="alerts.schedule",
               object_id=schedule.pk, details={"users": usernames, "rotation": rotation,
               "handoff": handoff.isoformat(), "start": start.isoformat()})  # fmt: skip
        if publish:
            schedule_publish(schedule=schedule, actor=actor)
    return schedule


def publish_problems(schedule: Schedule, now: datetime | None = None) -> list[str]:
    """Why a schedule cannot be published: an uncovered instant, an unreachable member."""
    now = now or timezone.now()
    spec = selectors.schedule_spec(schedule)
    problems = []
    gap = rota.first_gap(spec, now)
    if gap is not None:
        local = gap.astimezone(selectors.node_zone())
        problems.append(f"nobody is on call at {local.isoformat()}")
    ids = {int(m) for layer in spec.layers for m in layer.members} | {
        o.user for o in spec.overrides
    }
    for user in User.objects.filter(pk__in=ids).order_by("username"):
        if not reachable(user):
            problems.append(f"{user.username} has no way to be reached (no e-mail or webhook)")
    return problems


def schedule_publish(*, schedule: Schedule, actor: Any = None) -> Schedule:
    with transaction.atomic():
        problems = publish_problems(schedule)
        if problems:
            raise AlertsError("schedule", "; ".join(problems))
        schedule.published = True
        schedule.published_at = timezone.now()
        schedule.save(update_fields=["published", "published_at"])
        record(action="rota.published", actor=actor, object_type="alerts.schedule",
               object_id=schedule.pk)  # fmt: skip
    return schedule


def override_add(
    *, schedule: Schedule, username: str, start: datetime, end: datetime, actor: Any = None
) -> Override:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise AlertsError("user", f"unknown user {username}")
    if end <= start:
        raise AlertsError("to", "must be after from")
    if not reachable(user):
        raise AlertsError("user", f"{username} has no way to be reached (no e-mail or webhook)")
    with transaction.atomic():
        override = Override.objects.create(schedule=schedule, user=user, start=start, end=end)
        record(action="rota.override_added", actor=actor, object_type="alerts.schedule",
               object_id=schedule.pk, details={"user": username, "from": _iso(start),
               "to": _iso(end)})  # fmt: skip
    return override


def channel_add(*, user: User, kind: str, target: str, actor: Any = None) -> NotificationChannel:
    if kind not in ChannelKind.values:
        raise AlertsError("kind", "email or webhook")
    if kind == ChannelKind.WEBHOOK and not target.startswith(("http://", "https://")):
        raise AlertsError("target", "an http(s) URL")
    if kind == ChannelKind.EMAIL and "@" not in target:
        raise AlertsError("target", "an e-mail address")
    with transaction.atomic():
        channel, _ = NotificationChannel.objects.update_or_create(
            user=user, kind=kind, target=target, defaults={"active": True}
        )
        record(action="alert.channel_added", actor=actor, object_type="accounts.user",
               object_id=user.pk, details={"kind": kind})  # fmt: skip
    return channel


def policies_ensure_defaults() -> int:
    """Create the default policy of each urgency that has none (a fresh node works)."""
    made = 0
    for urgency, (steps, repeat, window) in escalation.DEFAULT_STEPS.items():
        _, created = EscalationPolicy.objects.get_or_create(
            urgency=urgency,
            defaults={"steps": steps, "repeat": repeat, "ack_window_minutes": window},
        )
        made += int(created)
    return made


def policy_set(
    *, urgency: str, steps: list[dict[str, Any]], repeat: int, ack_window_minutes: int,
    actor: Any = None,
) -> EscalationPolicy:  # fmt: skip
    if urgency not in Urgency.values:
        raise AlertsError("urgency", f"one of {', '.join(Urgency.values)}")
    for i, step in enumerate(steps):
        if step.get("action") not in ("schedule", "user", "coordinators"):
            raise AlertsError("steps", f"step {i}: action schedule, user or coordinators")
        if not isinstance(step.get("wait_minutes", 0), int | float) or step["wait_minutes"] < 0:
            raise AlertsError("steps", f"step {i}: wait_minutes >= 0")
    if not steps:
        raise AlertsError("steps", "at least one step")
    with transaction.atomic():
        policy, _ = EscalationPolicy.objects.update_or_create(
            urgency=urgency,
            defaults={"steps": steps, "repeat": repeat, "ack_window_minutes": ack_window_minutes},
        )
        record(action="alert.policy_changed", actor=actor, object_type="alerts.policy",
               object_id=policy.pk, details={"urgency": urgency})  # fmt: skip
    return policy


# --- WebSocket tickets --------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ws_ticket_create(*, user: User) -> str:
    """A single-use ticket, valid 60 s, sent as the WebSocket's first frame (never a URL)."""
    token = secrets.token_urlsafe(32)
    WsTicket.objects.create(
        user=user, token_hash=_hash(token), expires_at=timezone.now() + TICKET_TTL
    )
    return token


def ws_ticket_redeem(token: str) -> User | None:
    """The ticket's user, once: a second use or an expired ticket gives None."""
    now = timezone.now()
    with transaction.atomic():
        ticket = WsTicket.objects.filter(token_hash=_hash(token)).select_related("user").first()
        if ticket is None:
            return None
        used = WsTicket.objects.filter(
            pk=ticket.pk, used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if used != 1 or not ticket.user.is_active:
            return None
        return ticket.user
