"""Alerts read side: who is on call, the alerts a person may see, acks of our messages."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import BigIntegerField, Count, Min, QuerySet, Sum
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from accounts.models import Role, User
from alerts import queries, rota
from alerts.models import (
    Alert,
    AlertState,
    Delivery,
    Page,
    PeerContact,
    RemoteAck,
    Schedule,
    StepRun,
    Urgency,
)
from exchange.contacts import DutyContact
from net247 import db, latency


def node_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def schedule_spec(schedule: Schedule) -> rota.ScheduleSpec:
    layers = [
        rota.LayerSpec(
            members=[int(m) for m in layer.member_ids],
            handoff=layer.handoff,
            start=layer.start,
            rotation=layer.rotation,
            order=layer.order,
            window_start=layer.window_start,
            window_end=layer.window_end,
        )
        for layer in schedule.layers.all()
    ]
    overrides = [
        rota.OverrideSpec(user=o.user_id, start=o.start, end=o.end)
        for o in schedule.overrides.all()
    ]
    return rota.ScheduleSpec(zone=node_zone(), layers=layers, overrides=overrides)


def on_call_ids(name: str, at: datetime | None = None, *, published_only: bool = True) -> list[int]:
    """User ids on call in a schedule at `at` (now); an unpublished schedule has nobody.

    Asked for every alert raised: the schedule is one prepared statement (the ORM's
    query building cost more than the query); its layers and overrides only if it is
    there."""
    found = db.fetch(queries.schedule_by_name(db.vendor()), [name])
    if not found:
        return []
    schedule = db.load(Schedule, found[0])
    if published_only and not schedule.published:
        return []
    return rota.on_call(schedule_spec(schedule), at or timezone.now())


def escalation_policy(urgency: str) -> tuple[list[dict[str, Any]], int, int] | None:
    """(steps, repeat, ack window in minutes) of an urgency's policy, None if it has none.
    Read for every alert raised, so one prepared statement."""
    found = db.fetch(queries.escalation_policy(db.vendor()), [urgency])
    if not found:
        return None
    row = found[0]
    steps = row["steps"]
    return (
        (json.loads(steps) if isinstance(steps, str) else steps),
        int(row["repeat"]),
        int(row["ack_window_minutes"]),
    )


def active_roles(ids: list[int]) -> dict[int, str]:
    """{id: role} of the active users among `ids`, and of every active coordinator and
    admin (escalation's fallbacks)."""
    vendor = db.vendor()
    found = db.fetch(
        queries.active_roles(vendor), [db.list_param(ids, vendor), Role.COORDINATOR, Role.ADMIN]
    )
    return {int(row["id"]): str(row["role"]) for row in found}


def on_call_view(at: datetime | None = None) -> list[dict[str, Any]]:
    """Per schedule: who is on call at `at`, with their phone, and the next hand-off."""
    at = at or timezone.now()
    result = []
    for schedule in Schedule.objects.prefetch_related("layers", "overrides"):
        spec = schedule_spec(schedule)
        ids = rota.on_call(spec, at)
        users = {u.pk: u for u in User.objects.filter(pk__in=ids)}
        nxt = rota.next_handoff(spec, at)
        result.append(
            {
                "schedule": schedule.name,
                "published": schedule.published,
                "at": at,
                "on_call": [
                    {
                        "id": uid,
                        "username": users[uid].username,
                        "name": users[uid].get_full_name() or users[uid].username,
                        "role": users[uid].role,
                        "phone": users[uid].phone,
                    }
                    for uid in ids
                    if uid in users
                ],
                "next_handoff": nxt,
            }
        )
    return result


def coordinators_on_duty(at: datetime | None = None) -> list[int]:
    """The coordinators on call (schedule `coordinators`, else `default`), else all of them."""
    for name in ("coordinators", "default"):
        ids = on_call_ids(name, at)
        chosen = list(
            User.objects.filter(pk__in=ids, role=Role.COORDINATOR, is_active=True).values_list(
                "pk", flat=True
            )
        )
        if chosen:
            return chosen
    return list(
        User.objects.filter(role=Role.COORDINATOR, is_active=True).values_list("pk", flat=True)
    )


def alerts_for(user: Any) -> QuerySet[Alert]:
    """Coordinators and admins see every alert; others the alerts that paged them, and
    the members of a group whose leader paged them. Auditors see none (no content)."""
    qs = Alert.objects.all()
    role = getattr(user, "role", "")
    if role in (Role.COORDINATOR, Role.ADMIN):
        return qs
    if role == Role.AUDITOR or not getattr(user, "is_authenticated", False):
        return qs.none()
    return _paged(qs, user)


def _paged(qs: QuerySet[Alert], user: Any) -> QuerySet[Alert]:
    """The alerts of `qs` that paged the user, or whose group's leader did."""
    return qs.filter(pk__in=_paged_alert_ids(user))


def _paged_alert_ids(user: Any) -> QuerySet[Any]:
    """Ids of the alerts that paged the user and of the members of their groups: one set
    of ids, not an OR of two subqueries (an OR is a filter over every alert, and its
    estimate turned the received list's scope into a scan of every item)."""
    paged = Page.objects.filter(user=user).order_by().values("alert_id")
    # `group_id IS NOT NULL` spelled out lets PostgreSQL read the few members from the
    # group index instead of scanning every alert.
    members = Alert.objects.filter(group__isnull=False, group_id__in=paged).order_by().values("pk")
    return paged.union(members, all=True)  # IN needs no deduplication


def open_alerts_for(user: Any) -> QuerySet[Alert]:
    return alerts_for(user).exclude(state="resolved")


@dataclass(frozen=True)
class Desk:
    """The desk's cards and what they leave out: the newest unacknowledged alerts first,
    then the newest acknowledged ones, at most `limit` in all; `open_total` and
    `unacked_total` count every open alert (a group once), and `hidden_unacked` and
    `hidden_acked` hold the ids of the unacknowledged and acknowledged ones without a
    card, so the page says how many are not shown and the live counts stay exact."""

    rows: list[Alert]
    open_total: int
    unacked_total: int
    hidden_unacked: list[int]
    hidden_acked: list[int] = field(default_factory=list)

    @property
    def hidden(self) -> int:
        return self.open_total - len(self.rows)


DESK_LIMIT = 25


def desk_alerts(user: Any, limit: int = DESK_LIMIT) -> Desk:
    """The desk's rows: open alerts, a group shown once (its leader, with the count),
    triggered first, then the newest. Two reads in the history's index order (one per
    state) instead of one sort of every open alert by a computed rank."""
    leaders = open_alerts_for(user).filter(group__isnull=True).order_by("-created_at", "-id")
    triggered = leaders.filter(state=AlertState.TRIGGERED)
    acknowledged = leaders.filter(state=AlertState.ACKNOWLEDGED)
    rows = list(triggered.select_related("acknowledged_by")[:limit])
    hidden_unacked: list[int] = []
    if len(rows) == limit:
        hidden_unacked = list(triggered.values_list("pk", flat=True)[limit:])
    unacked_total = len(rows) + len(hidden_unacked)
    if len(rows) < limit:
        rows += list(acknowledged.select_related("acknowledged_by")[: limit - len(rows)])
    hidden_acked: list[int] = []
    if len(rows) == limit:
        shown_acked = len(rows) - (unacked_total - len(hidden_unacked))
        hidden_acked = list(acknowledged.values_list("pk", flat=True)[shown_acked:])
    open_total = len(rows) + len(hidden_unacked) + len(hidden_acked)
    return Desk(rows, open_total, unacked_total, hidden_unacked, hidden_acked)


def unacknowledged_count(user: Any) -> int:
    """Open, unacknowledged alerts that paged the user (a group counts once)."""
    return open_alerts_for(user).filter(state=AlertState.TRIGGERED, group__isnull=True).count()


def alert_history(user: Any) -> QuerySet[Alert]:
    """Every alert the user may see (resolved ones included), newest first in a stable
    order (ties broken by id); `alerts.filters.AlertFilter` narrows it."""
    return (
        alerts_for(user)
        .select_related("acknowledged_by", "resolved_by")
        .order_by("-created_at", "-id")
    )


def alert_kinds() -> list[str]:
    return list(Alert.objects.order_by("kind").values_list("kind", flat=True).distinct())


def alert_get(user: Any, pk: int) -> Alert:
    """One alert the user may see; Http404 otherwise (its existence is not disclosed)."""
    alert = (
        alerts_for(user)
        .select_related("acknowledged_by", "resolved_by", "group")
        .filter(pk=pk)
        .first()
    )
    if alert is None:
        raise Http404
    return alert


def group_members(alert: Alert, limit: int = 500) -> list[Alert]:
    return list(
        alert.members.select_related("acknowledged_by").order_by("created_at", "id")[:limit]
    )


@dataclass(frozen=True)
class TimelinePage:
    """One person paged by one step, with how each channel did."""

    at: datetime
    step: int
    repeat: int
    user: str
    deliveries: list[Delivery]


def escalation_timeline(alert: Alert) -> list[TimelinePage]:
    """Who was paged for the alert (for a member: by its group's leader), when, and on
    which channel, delivered or failed."""
    leader_id = alert.group_id or alert.pk
    pages = (
        Page.objects.filter(alert_id=leader_id)
        .select_related("user")
        .prefetch_related("deliveries__channel")
        .order_by("created_at", "id")
    )
    return [
        TimelinePage(
            at=page.created_at,
            step=page.step,
            repeat=page.repeat,
            user=page.user.get_full_name() or page.user.username,
            deliveries=list(page.deliveries.all()),
        )
        for page in pages
    ]


def next_step_of(alert: Alert) -> dict[str, Any] | None:
    """The step that fires next (action and when), None when nothing more will run."""
    if alert.state != AlertState.TRIGGERED or alert.next_step_at is None:
        return None
    steps = alert.snapshot.get("steps", [])
    if alert.next_step >= len(steps):
        return None
    step = steps[alert.next_step]
    return {
        "at": alert.next_step_at,
        "number": alert.next_step + 1,
        "repeat": alert.next_repeat,
        "action": step.get("action", ""),
        "schedule": step.get("schedule", ""),
    }


def ack_receipt(alert: Alert) -> dict[str, Any] | None:
    """The signed-back acknowledgement and the origin's receipt of it, if we sent one."""
    if not alert.ack_envelope_id:
        return None
    from exchange.models import OutboundMessage

    message = (
        OutboundMessage.objects.filter(envelope_id=alert.ack_envelope_id)
        .prefetch_related("entries__destination")
        .first()
    )
    if message is None:
        return None
    entries = [
        {
            "destination": e.destination.country,
            "status": e.status,
            "delivered_at": e.delivered_at,
            "receipt": bool(e.receipt),
        }
        for e in message.entries.all()
    ]
    return {"envelope_id": message.envelope_id, "created_at": message.created_at,
            "deliveries": entries}  # fmt: skip


def paged_object_ids(user: Any, object_type: str) -> QuerySet[Any]:
    """Ids (as integers) of the objects of `object_type` whose alerts paged the user,
    directly or through a group's leader: what the paged person may open."""
    return (
        _paged(Alert.objects.filter(object_type=object_type), user)
        .annotate(oid=Cast("object_id", BigIntegerField()))
        .values("oid")
    )


def acks_for(envelope_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Who acknowledged which of our messages, from the peers' `alert.ack`."""
    result: dict[str, list[dict[str, Any]]] = {}
    for ack in RemoteAck.objects.filter(envelope_id__in=list(envelope_ids)):
        who = " ".join(x for x in (ack.country, ack.by_role, ack.by_name) if x)
        result.setdefault(ack.envelope_id, []).append(
            {
                "country": ack.country,
                "at": ack.at.isoformat(),
                "role": ack.by_role,
                "name": ack.by_name,
                "by": who,
            }
        )
    return result


def peer_contacts(country: str) -> list[dict[str, str]]:
    return [
        {"country": c.country, "name": c.name, "phone": c.phone, "note": c.note}
        for c in PeerContact.objects.filter(country=country)
    ]


def peer_contacts_by_country() -> dict[str, list[DutyContact]]:
    """Every peer's duty contacts, for the peers page (registered in `exchange.contacts`)."""
    found: dict[str, list[DutyContact]] = {}
    for c in PeerContact.objects.order_by("country", "name"):
        found.setdefault(c.country, []).append({"name": c.name, "phone": c.phone, "note": c.note})
    return found


def is_on_call(user: Any, at: datetime | None = None) -> bool:
    """Whether the user is on call at `at` (now) in a published schedule."""
    pk = getattr(user, "pk", None)
    if pk is None:
        return False
    at = at or timezone.now()
    published = Schedule.objects.filter(published=True).prefetch_related("layers", "overrides")
    return any(pk in rota.on_call(schedule_spec(schedule), at) for schedule in published)


# --- Figures for /metrics (node-wide, for operators; the endpoint itself is protected) ---
# Alerts are raised at people's pace (thousands a year, not per second): these read the
# whole table, so the counters only grow and Prometheus's rate() applies.


def alerts_raised() -> dict[tuple[str, str], int]:
    """Alerts ever raised, per (kind, urgency): every alert is one row, never deleted.
    Kinds are the raising code's own short list."""
    rows = Alert.objects.order_by().values_list("kind", "urgency").annotate(n=Count("pk"))
    return {(kind, urgency): n for kind, urgency, n in rows}


def alerts_unacknowledged(now: datetime) -> dict[str, tuple[int, float]]:
    """Per urgency: alerts still triggered (nobody acknowledged them) and the age in
    seconds of the oldest one (0 when none)."""
    rows = (
        Alert.objects.filter(state=AlertState.TRIGGERED)
        .order_by()
        .values_list("urgency")
        .annotate(n=Count("pk"), oldest=Min("created_at"))
    )
    found = {urgency: (n, oldest) for urgency, n, oldest in rows}
    result = {}
    for urgency in Urgency.values:
        n, oldest = found.get(urgency, (0, None))
        result[urgency] = (n, max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
    return result


def acknowledgement_latency(bounds: Sequence[float]) -> dict[str, latency.Buckets]:
    """Per urgency: acknowledged alerts by seconds from raising to acknowledgement."""
    acknowledged = Alert.objects.filter(acknowledged_at__isnull=False)
    return latency.buckets(acknowledged, "acknowledged_at", "created_at", bounds, by="urgency")


def escalation_steps() -> dict[str, tuple[int, int]]:
    """Per urgency of the alert: escalation steps run (one StepRun row each, the guard
    that a step pages once) and the pages they sent."""
    rows = (
        StepRun.objects.order_by()
        .values_list("alert__urgency")
        .annotate(n=Count("pk"), paged=Sum("paged"))
    )
    return {urgency: (n, int(paged or 0)) for urgency, n, paged in rows}
