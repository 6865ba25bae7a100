"""Rota edits from the coordinators' pages (and the `oncall` CLI): rotations, overrides,
people's ways to be woken, peers' duty contacts.

A published rota pages people, so it must stay publishable: an edit of a published
schedule that would add a problem `publish_problems` reports (a gap, a member who cannot
be woken) is refused and nothing is stored; problems that were already there (an
escalation policy naming someone without a channel) do not block unrelated edits. An
unpublished schedule takes any edit; publishing (`services.schedule_publish`) is the check.
Every change is one transaction with its audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from accounts.models import Role, User
from alerts.errors import AlertsError
from alerts.models import Layer, NotificationChannel, Override, PeerContact, Rotation, Schedule
from alerts.services import publish_problems, reachable
from audit.services import record
from exchange import schemas

MAX_MEMBERS = 8


@dataclass(frozen=True)
class LayerInput:
    """A rotation as a coordinator describes it: members by username, in rotation order."""

    usernames: list[str]
    rotation: str
    handoff: time
    start: date
    window_start: time | None = None
    window_end: time | None = None
    order: int = 0


def _members(usernames: list[str]) -> list[User]:
    names = [n.strip() for n in usernames if n and n.strip()]
    if not names:
        raise AlertsError("members", gettext("Choose at least one person."))
    if len(set(names)) != len(names):
        raise AlertsError("members", gettext("Each person may appear once in a rotation."))
    found = {u.username: u for u in User.objects.filter(username__in=names, is_active=True)}
    missing = [n for n in names if n not in found]
    if missing:
        raise AlertsError(
            "members",
            gettext("Unknown or inactive users: %(names)s") % {"names": ", ".join(missing)},
        )
    auditors = [n for n in names if found[n].role == Role.AUDITOR]
    if auditors:
        raise AlertsError(
            "members",
            gettext("Auditors are never paged: %(names)s") % {"names": ", ".join(auditors)},
        )
    return [found[n] for n in names]


def _check_layer(data: LayerInput) -> list[User]:
    if data.rotation not in Rotation.values:
        raise AlertsError("rotation", gettext("Choose daily or weekly."))
    if (data.window_start is None) != (data.window_end is None):
        raise AlertsError("window_end", gettext("Give both ends of the window, or neither."))
    if data.window_start is not None and data.window_start == data.window_end:
        raise AlertsError("window_end", gettext("The window cannot start and end at once."))
    return _members(data.usernames)


def _locked(schedule: Schedule) -> Schedule:
    """The schedule row locked for the edit (two coordinators editing queue here)."""
    return Schedule.objects.select_for_update(no_key=True).get(pk=schedule.pk)


def _keep_publishable(schedule: Schedule, before: list[str]) -> None:
    """Refuse (roll back) an edit that gives a published schedule a new problem."""
    if not schedule.published:
        return
    fresh = Schedule.objects.get(pk=schedule.pk)
    new = [p for p in publish_problems(fresh) if p not in before]
    if new:
        raise AlertsError(
            "schedule",
            gettext("The rota is published: this change would leave it with problems: %(p)s")
            % {"p": "; ".join(new)},
        )


def schedule_create(*, name: str, actor: Any = None) -> Schedule:
    """A new, empty and unpublished schedule (it pages nobody until published)."""
    name = name.strip().lower()
    if not name or not all(c.isalnum() or c in "-_" for c in name) or len(name) > 50:
        raise AlertsError("name", gettext("Latin letters, digits, - and _ only (at most 50)."))
    with transaction.atomic():
        if Schedule.objects.filter(name=name).exists():
            raise AlertsError("name", gettext("A rota with this name exists."))
        schedule = Schedule.objects.create(name=name)
        record(action="rota.created", actor=actor, object_type="alerts.schedule",
               object_id=schedule.pk, details={"name": name})  # fmt: skip
    return schedule


def layer_save(
    *, schedule: Schedule, data: LayerInput, layer: Layer | None = None, actor: Any = None
) -> Layer:
    """Add a rotation to a schedule, or change one of its rotations."""
    members = _check_layer(data)
    with transaction.atomic():
        schedule = _locked(schedule)
        before = publish_problems(schedule) if schedule.published else []
        if layer is None:
            layer = Layer(schedule=schedule)
        elif layer.schedule_id != schedule.pk:
            raise AlertsError("schedule", gettext("This rotation belongs to another rota."))
        layer.rotation = data.rotation
        layer.handoff = data.handoff
        layer.start = data.start
        layer.window_start, layer.window_end = data.window_start, data.window_end
        layer.order = data.order
        layer.member_ids = [u.pk for u in members]
        created = layer.pk is None
        layer.save()
        _keep_publishable(schedule, before)
        record(
            action="rota.layer_added" if created else "rota.layer_changed",
            actor=actor,
            object_type="alerts.schedule",
            object_id=schedule.pk,
            details={"layer": layer.pk, "users": [u.username for u in members],
                     "rotation": data.rotation, "handoff": data.handoff.isoformat(),
                     "start": data.start.isoformat()},
        )  # fmt: skip
    return layer


def layer_delete(*, layer: Layer, actor: Any = None) -> None:
    with transaction.atomic():
        schedule = _locked(layer.schedule)
        before = publish_problems(schedule) if schedule.published else []
        pk = layer.pk
        Layer.objects.filter(pk=pk).delete()  # the instance keeps its pk if refused
        _keep_publishable(schedule, before)
        record(action="rota.layer_deleted", actor=actor, object_type="alerts.schedule",
               object_id=schedule.pk, details={"layer": pk})  # fmt: skip


def _override_user(username: str, start: datetime, end: datetime) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise AlertsError("user", gettext("Unknown or inactive user %(name)s") % {"name": username})
    if end <= start:
        raise AlertsError("end", gettext("The end must be after the start."))
    if user.role == Role.AUDITOR:
        raise AlertsError("user", gettext("%(name)s is an auditor and is never paged")
                          % {"name": username})  # fmt: skip
    if not reachable(user):
        raise AlertsError(
            "user",
            gettext("%(user)s has no way to be reached (no e-mail or webhook)")
            % {"user": username},
        )
    return user


def override_save(
    *,
    schedule: Schedule,
    username: str,
    start: datetime,
    end: datetime,
    override: Override | None = None,
    actor: Any = None,
) -> Override:
    """Add an override (`username` covers the rota from `start` to `end`) or change one."""
    user = _override_user(username, start, end)
    with transaction.atomic():
        schedule = _locked(schedule)
        before = publish_problems(schedule) if schedule.published else []
        created = override is None
        if override is None:
            override = Override(schedule=schedule)
        elif override.schedule_id != schedule.pk:
            raise AlertsError("schedule", gettext("This override belongs to another rota."))
        override.user, override.start, override.end = user, start, end
        override.save()
        _keep_publishable(schedule, before)
        record(
            action="rota.override_added" if created else "rota.override_changed",
            actor=actor,
            object_type="alerts.schedule",
            object_id=schedule.pk,
            details={
                "override": override.pk,
                "user": username,
                "from": schemas.format_time(start),
                "to": schemas.format_time(end),
            },
        )
    return override


def override_delete(*, override: Override, actor: Any = None) -> None:
    with transaction.atomic():
        schedule = _locked(override.schedule)
        before = publish_problems(schedule) if schedule.published else []
        details = {
            "override": override.pk,
            "user": override.user.username,
            "from": schemas.format_time(override.start),
            "to": schemas.format_time(override.end),
        }
        Override.objects.filter(pk=override.pk).delete()
        _keep_publishable(schedule, before)
        record(action="rota.override_deleted", actor=actor, object_type="alerts.schedule",
               object_id=schedule.pk, details=details)  # fmt: skip


def channel_remove(*, channel: NotificationChannel, actor: Any = None) -> None:
    """Stop waking a person that way. The row stays (inactive) for the deliveries that
    went through it; adding the same way again re-activates it (`services.channel_add`).

    Refused, with nothing changed, when a published rota would be left with a new
    problem (its member, or a person its escalation policy names, could no longer be
    woken). The person's active channels are locked first, so two coordinators removing
    that person's last two ways one each cannot both pass the check."""
    with transaction.atomic():
        mine = NotificationChannel.objects.select_for_update(no_key=True).filter(
            user_id=channel.user_id, active=True
        )
        if channel.pk not in {c.pk for c in mine}:
            raise AlertsError("channel", gettext("This way to wake someone is already removed."))
        published = list(Schedule.objects.filter(published=True).order_by("pk"))
        before = {s.pk: publish_problems(s) for s in published}
        NotificationChannel.objects.filter(pk=channel.pk).update(active=False)
        for schedule in published:
            _keep_publishable(schedule, before[schedule.pk])
        record(action="alert.channel_removed", actor=actor, object_type="accounts.user",
               object_id=channel.user_id, details={"kind": channel.kind})  # fmt: skip


def peer_contact_add(
    *, country: str, name: str, phone: str, note: str = "", actor: Any = None
) -> PeerContact:
    """A peer's duty telephone, as the coordinators agreed it at enrolment."""
    country = country.strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise AlertsError("country", gettext("A two-letter country code."))
    if not name.strip() or not phone.strip():
        field = "phone" if name.strip() else "name"
        raise AlertsError(field, gettext("Name and telephone are required."))
    with transaction.atomic():
        contact = PeerContact.objects.create(
            country=country, name=name.strip(), phone=phone.strip(), note=note.strip()
        )
        record(action="alert.peer_contact_added", actor=actor, peer=contact.country,
               object_type="alerts.peercontact", object_id=contact.pk)  # fmt: skip
    return contact
