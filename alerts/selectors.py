"""Alerts read side: who is on call, the alerts a person may see, acks of our messages."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Role, User
from alerts import rota
from alerts.models import Alert, EscalationPolicy, PeerContact, RemoteAck, Schedule
from net247 import sql


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
    table = Schedule._meta.db_table
    found = sql.fetch(f'SELECT id, published FROM "{table}" WHERE name = %s', [name])  # noqa: S608
    if not found or (published_only and not found[0][1]):
        return []
    schedule = Schedule(pk=found[0][0], name=name, published=bool(found[0][1]))
    return rota.on_call(schedule_spec(schedule), at or timezone.now())


def escalation_policy(urgency: str) -> tuple[list[dict[str, Any]], int, int] | None:
    """(steps, repeat, ack window in minutes) of an urgency's policy, None if it has none.
    Read for every alert raised, so one prepared statement."""
    table = EscalationPolicy._meta.db_table
    found = sql.fetch(
        f'SELECT steps, "repeat", ack_window_minutes FROM "{table}" WHERE urgency = %s',  # noqa: S608
        [urgency],
    )
    if not found:
        return None
    steps, repeat, window = found[0]
    return (json.loads(steps) if isinstance(steps, str) else steps), int(repeat), int(window)


@cache
def _active_sql(vendor: str) -> str:
    """Active users among the ids, and every active coordinator and admin: one statement
    whatever the number of ids (a PostgreSQL array; a JSON list on SQLite)."""
    table = User._meta.db_table
    among = (
        "id = ANY(%s::bigint[])"
        if vendor == "postgresql"
        else "id IN (SELECT value FROM json_each(%s))"
    )
    return (
        f'SELECT id, role FROM "{table}" WHERE is_active'  # noqa: S608
        f" AND ({among} OR role IN (%s, %s))"
    )


def active_roles(ids: list[int]) -> dict[int, str]:
    """{id: role} of the active users among `ids`, and of every active coordinator and
    admin (escalation's fallbacks)."""
    vendor = sql.db().vendor
    listed: Any = ids if vendor == "postgresql" else json.dumps(ids)
    found = sql.fetch(_active_sql(vendor), [listed, Role.COORDINATOR, Role.ADMIN])
    return {int(pk): str(role) for pk, role in found}


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
    """Coordinators and admins see every alert; others the alerts that paged them."""
    qs = Alert.objects.all()
    if getattr(user, "role", "") in (Role.COORDINATOR, Role.ADMIN):
        return qs
    return qs.filter(Q(pages__user=user)).distinct()


def open_alerts_for(user: Any) -> QuerySet[Alert]:
    return alerts_for(user).exclude(state="resolved")


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
