"""Alerts write side: raise, acknowledge, resolve; rota and policy edits; tickets.

Every change runs in a transaction with its audit entry; an acknowledgement of an alert
raised by a peer's message writes the `alert.ack` outbox row in the same transaction.
The escalation state machine is described in alerts/escalation.py.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Role, User
from accounts.selectors import users_by_role
from alerts import channels, escalation, events, rota, selectors, subjects
from alerts.channels.message import clean_line
from alerts.errors import AlertsError as AlertsError
from alerts.models import (
    Alert,
    AlertGroupSlot,
    AlertState,
    EscalationPolicy,
    Layer,
    NotificationChannel,
    Override,
    Page,
    Rotation,
    Schedule,
    Urgency,
    WsTicket,
)
from alerts.snapshot import POLICY_ACTIONS, SnapshotError, Step
from audit.services import record
from exchange import schemas
from net247 import db

TICKET_TTL = timedelta(seconds=60)


GROUP_WINDOW = timedelta(minutes=10)


def _group_key(kind: str, origin: str, urgency: str, users: list[int] | None) -> str | None:
    """Alerts of one origin, kind and urgency group into one page; alerts for named people
    (an indicator hit for a case's owners) and local ones (no origin) never group."""
    if not origin or users:
        return None
    return f"{origin}:{kind}:{urgency}"[:100]


def _open_leader(key: str, now: datetime) -> Alert | None:
    """The leader of the open group of `key`, the slot row locked (concurrent raisers of
    the same key queue here), or None when there is none or it stopped collecting: older
    than the window, acknowledged, or its escalation ran out (then someone must be paged
    again)."""
    slot = (
        AlertGroupSlot.objects.select_for_update(no_key=True)
        .select_related("leader")
        .filter(key=key)
        .first()
    )
    if slot is None:
        return None
    leader = slot.leader
    if (
        leader.state != AlertState.TRIGGERED
        or leader.next_step_at is None
        or slot.opened_at < now - GROUP_WINDOW
    ):
        return None
    return leader


def _claim_slot(key: str, leader: Alert, now: datetime) -> None:
    """Make `leader` the open group of `key` (its slot row is ours or new)."""
    moved = AlertGroupSlot.objects.filter(key=key).update(leader=leader, opened_at=now)
    if not moved:
        # A concurrent first raiser may insert the same key: its group stands, ours is
        # a group of its own (two pages for one burst at worst, never none).
        db.insert(AlertGroupSlot(key=key, leader=leader, opened_at=now), conflict=("key",))


def _join(leader: Alert, alert: Alert) -> Alert:
    """Store `alert` as a member of `leader`'s group: no escalation of its own; the people
    the leader paged are told (no new page), and the leader counts it."""
    alert.group = leader
    alert.next_step_at = None
    if not db.insert(alert, conflict=("dedupe_key",)):
        return Alert.objects.get(dedupe_key=alert.dedupe_key)
    Alert.objects.filter(pk=leader.pk).update(group_size=F("group_size") + 1)
    # The leader was read under _open_leader's lock (the slot and its leader, FOR NO KEY
    # UPDATE), which every joiner takes first: its count is the one just incremented.
    leader.group_size += 1
    alert.group_size = leader.group_size  # what the desk shows on the group's row
    record(
        action="alert.raised",
        actor=None,
        peer=alert.origin,
        object_type="alerts.alert",
        object_id=alert.pk,
        details={"kind": alert.kind, "urgency": alert.urgency,
                 "envelope_id": alert.envelope_id, "group": leader.pk},
    )  # fmt: skip
    for user_id in _paged_user_ids(leader):
        events.emit(user_id, alert, "alert.grouped")
    return alert


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
    params: dict[str, Any] | None = None,
) -> Alert:
    """Raise an alert and run its first escalation step, in the caller's transaction.

    `users` (User objects or ids) are paged first, then the urgency's policy; a repeated
    raise with the same `dedupe_key` returns the existing alert and pages nobody. An
    alert from a peer joins the open group of its origin, kind and urgency (see
    `_open_leader`): a peer back from an outage delivering hundreds of notifications
    pages the person on duty once, with the count; every alert is still stored."""
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
            title=clean_line(title, 300),  # a peer's title: one line, as stored
            summary=summary,
            params=params or {},
            urgency=urgency,
            object_type=object_type,
            object_id=str(object_id),
            origin=origin,
            envelope_id=envelope_id,
            dedupe_key=dedupe_key,
            next_step_at=now,
        )
        key = _group_key(kind, origin, urgency, user_ids)
        leader = _open_leader(key, now) if key else None
        if leader is not None:
            alert.snapshot = leader.snapshot  # a member runs no chain of its own
            return _join(leader, alert)
        alert.snapshot = escalation.snapshot_for(urgency, user_ids)
        # The first step is due now: the new row is written already pointing past it,
        # so no runner can take it twice and no claim UPDATE follows.
        first = escalation.advance(alert, now)
        if not db.insert(alert, conflict=("dedupe_key",)):
            return Alert.objects.get(dedupe_key=dedupe_key)
        if key:
            _claim_slot(key, alert, now)
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
        summary=f"due {schemas.format_time(due_at)}",
        object_type=object_type,
        object_id=object_id,
        users=users,
        dedupe_key=f"due_soon:{object_type}:{object_id}:{schemas.format_time(due_at)}",
    )


def _paged_user_ids(alert: Alert) -> list[int]:
    """Everyone paged for the alert, or for the group it belongs to, but auditors (paged
    before their role changed): their desks get no content."""
    leader_id = alert.group_id or alert.pk
    pages = Page.objects.filter(alert_id=leader_id).exclude(user__role=Role.AUDITOR)
    return sorted(set(pages.values_list("user_id", flat=True)))


def _group_alerts(alert: Alert, states: tuple[str, ...]) -> list[Alert]:
    """The alert and, when it leads a group, its members in one of `states`, locked."""
    locked = Alert.objects.select_for_update(no_key=True)
    found = [locked.get(pk=alert.pk)]
    if alert.group_id is None:
        found += list(locked.filter(group_id=alert.pk, state__in=states).order_by("pk"))
    return found


def _close_group(alert: Alert) -> None:
    """A group stops collecting once its leader is handled: the next alert pages again."""
    AlertGroupSlot.objects.filter(leader=alert).delete()


def alert_acknowledge(*, alert: Alert, actor: Any) -> Alert:
    """Stop the escalation; tell every paged desk; tell the origin country (alert.ack).

    Acknowledging a group's leader acknowledges every member still triggered, each with
    its own `alert.ack` to its origin. What the alert is about is told through its
    subject (`alerts.subjects`): cases assigns the received item to the person."""
    with transaction.atomic():
        found = _group_alerts(alert, (AlertState.TRIGGERED,))
        if found[0].state != AlertState.TRIGGERED:
            raise AlertsError("state", _state_error(found[0]))
        now = timezone.now()
        for one in found:
            _acknowledge_one(one, actor, now)
        _close_group(found[0])
    return found[0]


def _acknowledge_one(alert: Alert, actor: Any, now: datetime) -> None:
    alert.state = AlertState.ACKNOWLEDGED
    alert.acknowledged_at = now
    alert.acknowledged_by = actor
    alert.next_step_at = None
    if alert.origin and alert.envelope_id and alert.origin != settings.NODE_COUNTRY:
        alert.ack_envelope_id = _send_ack(alert, actor)
    alert.save(update_fields=["state", "acknowledged_at", "acknowledged_by", "next_step_at",
                              "ack_envelope_id"])  # fmt: skip
    # The person is the actor; the origin country is where the acknowledgement goes.
    details: dict[str, Any] = {"kind": alert.kind}
    if alert.ack_envelope_id:
        details.update(ack_to=alert.origin, ack_envelope_id=alert.ack_envelope_id)
    if alert.group_id:
        details["group"] = alert.group_id
    record(action="alert.acknowledged", actor=actor, object_type="alerts.alert",
           object_id=alert.pk, details=details)  # fmt: skip
    subject = subjects.get(alert.object_type)
    if subject is not None and subject.on_acknowledged is not None:
        subject.on_acknowledged(alert, actor)
    for user_id in _paged_user_ids(alert):
        events.emit(user_id, alert, "alert.acknowledged")


def _state_error(alert: Alert) -> str:
    if alert.state == AlertState.ACKNOWLEDGED:
        return gettext("The alert was already acknowledged.")
    return gettext("The alert is already closed.")


def _send_ack(alert: Alert, actor: Any) -> str:
    """Sign the acknowledgement back to the origin; its envelope id (for the receipt)."""
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
    sent = message_send(
        type="alert.ack",
        to=[alert.origin],
        body={"ref": alert.envelope_id, "at": schemas.format_time(alert.acknowledged_at), "by": by},
        handling=inbound.handling if inbound is not None else "H0",
        thread=inbound.thread if inbound is not None else alert.envelope_id,
        in_reply_to=alert.envelope_id,
        actor=actor,
    )
    return str(sent.envelope_id)


def alert_resolve(*, alert: Alert, actor: Any, note: str = "") -> Alert:
    """Close the alert (and its group's open members) with the person's note."""
    note = note.strip()
    if len(note) > 2000:
        raise AlertsError("note", gettext("At most 2000 characters."))
    with transaction.atomic():
        found = _group_alerts(alert, (AlertState.TRIGGERED, AlertState.ACKNOWLEDGED))
        if found[0].state == AlertState.RESOLVED:
            raise AlertsError("state", _state_error(found[0]))
        now = timezone.now()
        for one in found:
            one.state = AlertState.RESOLVED
            one.resolved_at = now
            one.resolved_by = actor
            one.resolution_note = note
            one.next_step_at = None
            one.save(update_fields=["state", "resolved_at", "resolved_by", "resolution_note",
                                    "next_step_at"])  # fmt: skip
            record(action="alert.resolved", actor=actor, object_type="alerts.alert",
                   object_id=one.pk, details={"note": bool(note)})  # fmt: skip
            for user_id in _paged_user_ids(one):
                events.emit(user_id, one, "alert.resolved")
        _close_group(found[0])
    return found[0]


# --- rota ---------------------------------------------------------------------------


def reachable(user: User, kinds: tuple[str, ...] = ()) -> bool:
    """Reachable = active and holds an active e-mail or webhook channel.

    A duty desk session is not enough: at 3 a.m. nobody sits at a desk, so a member must
    have a way to be woken (e-mail to a phone, or a webhook to an SMS/Telegram gateway).
    A channel of a kind this node cannot send (alerts.channels) does not count, nor one
    outside `kinds` when a policy step names its channels."""
    usable = [k for k in channels.kinds() if not kinds or k in kinds]
    return (
        user.is_active
        and NotificationChannel.objects.filter(user=user, active=True, kind__in=usable).exists()
    )


def _unreachable(username: str) -> str:
    return gettext("%(user)s has no way to be reached (no e-mail or webhook)") % {"user": username}


def _target_problems(steps: list[Step]) -> list[str]:
    """Why the people these steps page could not be woken: a `user` step's person gone,
    inactive or without an active channel; a `coordinators` step while some active
    coordinator (or, with none, admin: the fallback) has no channel."""
    problems: list[str] = []
    for number, step in enumerate(steps, start=1):
        where = gettext("step %(n)d") % {"n": number}
        if step.action == "user":
            user = User.objects.filter(pk=step.user or 0).first()
            if user is None or not user.is_active or user.role == Role.AUDITOR:
                problems.append(
                    gettext("%(where)s: user #%(id)s does not exist or is not active")
                    % {"where": where, "id": step.user}
                )
            elif not reachable(user, step.channels):
                problems.append(f"{where}: {_unreachable(user.username)}")
        elif step.action == "coordinators":
            people = list(users_by_role(Role.COORDINATOR)) or list(users_by_role(Role.ADMIN))
            names = [u.username for u in people if not reachable(u, step.channels)]
            if names:
                problems.append(
                    gettext("%(where)s: coordinators with no way to be reached: %(names)s")
                    % {"where": where, "names": ", ".join(names)}
                )
    return problems


def _stored_policy_problems() -> list[str]:
    """`_target_problems` of every stored policy, named by urgency (at rota publish)."""
    from alerts import labels

    problems = []
    for policy in EscalationPolicy.objects.order_by("urgency"):
        steps = []
        for raw in policy.steps if isinstance(policy.steps, list) else []:
            try:
                steps.append(Step.from_json(raw))
            except SnapshotError:
                continue  # an unreadable policy pages by the defaults (snapshot_for)
        label = labels.urgency_label(policy.urgency)
        problems += [
            gettext("%(urgency)s policy, %(problem)s") % {"urgency": label, "problem": problem}
            for problem in _target_problems(steps)
        ]
    return problems


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
        raise AlertsError("rotation", gettext("Choose daily or weekly."))
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    missing = [n for n in usernames if n not in users]
    if missing or not usernames:
        if not usernames:
            raise AlertsError("users", gettext("Choose at least one person."))
        names = ", ".join(missing)
        raise AlertsError("users", gettext("Unknown users: %(names)s") % {"names": names})
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
    """Why a schedule cannot be published: an uncovered instant, an unreachable member,
    an escalation policy whose coordinators or named person cannot be reached."""
    now = now or timezone.now()
    spec = selectors.schedule_spec(schedule)
    problems = []
    gap = rota.first_gap(spec, now)
    if gap is not None:
        from node import places

        zone = selectors.node_zone()
        local = gap.astimezone(zone)
        problems.append(
            gettext("nobody is on call at %(at)s")
            % {"at": f"{local:%Y-%m-%d %H:%M} {places.zone_label(gap, zone)}"}
        )
    ids = {int(m) for layer in spec.layers for m in layer.members} | {
        o.user for o in spec.overrides
    }
    for user in User.objects.filter(pk__in=ids).order_by("username"):
        if user.role == Role.AUDITOR:
            problems.append(
                gettext("%(name)s is an auditor and is never paged") % {"name": user.username}
            )
        elif not reachable(user):
            problems.append(_unreachable(user.username))
    # The escalation behind the rota: a step to the coordinators or to a named person
    # must reach someone too.
    problems += _stored_policy_problems()
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
    """`username` covers the schedule from `start` to `end` (see rota_services)."""
    from alerts.rota_services import override_save

    return override_save(schedule=schedule, username=username, start=start, end=end, actor=actor)


def channel_add(*, user: User, kind: str, target: str, actor: Any = None) -> NotificationChannel:
    """Add (or re-activate) a way to reach a person; a kind this node cannot send
    (`alerts.channels.get` raises) or a target its channel refuses is refused here."""
    target = target.strip()
    channels.get(kind).validate(target)
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
    """Store an urgency's escalation policy, checked as a snapshot will run it: known
    actions, waits of 0 or more, schedules that exist, and people who can be woken."""
    if urgency not in Urgency.values:
        raise AlertsError("urgency", f"one of {', '.join(Urgency.values)}")
    if not steps:
        raise AlertsError("steps", gettext("at least one step"))
    parsed: list[Step] = []
    for number, raw in enumerate(steps, start=1):
        try:
            step = Step.from_json(raw)
        except SnapshotError as exc:
            raise AlertsError("steps", f"{gettext('step %(n)d') % {'n': number}}: {exc}") from None
        if step.action not in POLICY_ACTIONS:
            raise AlertsError(
                "steps",
                gettext("step %(n)d: action must be one of %(known)s")
                % {"n": number, "known": ", ".join(POLICY_ACTIONS)},
            )
        if step.action == "schedule" and not Schedule.objects.filter(name=step.schedule).exists():
            raise AlertsError(
                "steps",
                gettext("step %(n)d: there is no schedule named %(name)s")
                % {"n": number, "name": step.schedule},
            )
        parsed.append(step)
    for name, value in (("repeat", repeat), ("ack_window_minutes", ack_window_minutes)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise AlertsError(name, gettext("a whole number, 0 or more"))
    problems = _target_problems(parsed)
    if problems:
        raise AlertsError("steps", "; ".join(problems))
    with transaction.atomic():
        policy, _ = EscalationPolicy.objects.update_or_create(
            urgency=urgency,
            defaults={"steps": [s.to_json() for s in parsed], "repeat": repeat,
                      "ack_window_minutes": ack_window_minutes},
        )  # fmt: skip
        record(action="alert.policy_changed", actor=actor, object_type="alerts.policy",
               object_id=policy.pk, details={"urgency": urgency})  # fmt: skip
    return policy


# --- WebSocket tickets --------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ws_ticket_create(*, user: User) -> str:
    """A single-use ticket, valid 60 s, sent as the WebSocket's first frame (never a URL).
    Expired tickets are deleted here: nothing else ever reads them, and a desk left open
    for a month would otherwise leave one row per reconnect."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    WsTicket.objects.filter(expires_at__lt=now).delete()
    WsTicket.objects.create(
        user=user,
        token_hash=_hash(token),
        expires_at=now + TICKET_TTL,
        session_generation=user.session_generation,
    )
    return token


def ws_ticket_redeem(token: str) -> User | None:
    """The ticket's user, once: a second use, an expired ticket or one issued before the
    user's sessions ended gives None."""
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
        if ticket.user.session_generation != ticket.session_generation:
            return None  # the user's sessions ended after the ticket was issued
        return ticket.user
