"""What the rota and policy pages read: the calendar (who is on call, day by day, with
names), the people a rota may name, and each policy's steps in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext, ngettext

from accounts.models import Role, User
from alerts import labels, rota
from alerts.models import EscalationPolicy, Layer, Override, Schedule, Urgency
from alerts.selectors import node_zone, schedule_spec
from alerts.snapshot import SnapshotError, Step


def display_name(user: User) -> str:
    full = user.get_full_name()
    return f"{full} ({user.username})" if full else user.username


def rota_people() -> QuerySet[User]:
    """Who a rota, an override or a policy step may name: active, never auditors."""
    return (
        User.objects.filter(is_active=True)
        .exclude(role=Role.AUDITOR)
        .exclude(username="AnonymousUser")
        .order_by("last_name", "first_name", "username")
    )


def people_choices() -> list[tuple[str, str]]:
    return [(u.username, display_name(u)) for u in rota_people()]


def schedules() -> QuerySet[Schedule]:
    return Schedule.objects.prefetch_related("layers", "overrides__user")


@dataclass(frozen=True)
class Shift:
    """One stretch of the calendar: who, from when to when (local), replacing whom."""

    start: datetime
    end: datetime
    names: list[str]
    override: bool
    covered: list[str]  # an override's: whom the rotations would have had on call

    @property
    def start_label(self) -> str:
        return f"{self.start:%H:%M}"

    @property
    def end_label(self) -> str:
        """The end on the day's clock: a shift running to midnight ends at 24:00."""
        if self.end.date() != self.start.date() and self.end.time() == time.min:
            return "24:00"
        return f"{self.end:%H:%M}"


@dataclass(frozen=True)
class Day:
    day: date
    today: bool
    shifts: list[Shift] = field(default_factory=list)


def calendar(schedule: Schedule, first: date, days: int, now: datetime) -> list[Day]:
    """Day by day from `first` (local dates in the node's zone), who is on call when."""
    zone = node_zone()
    spec = schedule_spec(schedule)
    ids = {int(m) for layer in spec.layers for m in layer.members} | {
        o.user for o in spec.overrides
    }
    names = {u.pk: display_name(u) for u in User.objects.filter(pk__in=ids)}

    def named(users: tuple[int, ...]) -> list[str]:
        return [names.get(u, gettext("unknown user")) for u in users]

    today = now.astimezone(zone).date()
    result = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        start = datetime.combine(day, time.min, tzinfo=zone)
        end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
        shifts = [
            Shift(
                start=seg.start.astimezone(zone),
                end=seg.end.astimezone(zone),
                names=named(seg.users),
                override=seg.override,
                covered=named(seg.covered),
            )
            for seg in rota.segments(spec, start, end)
        ]
        result.append(Day(day=day, today=day == today, shifts=shifts))
    return result


def layer_words(layer: Layer) -> dict[str, Any]:
    """A rotation for the page: members by name, in order."""
    users = {u.pk: u for u in User.objects.filter(pk__in=[int(m) for m in layer.member_ids])}
    return {
        "layer": layer,
        "members": [
            display_name(users[int(m)]) if int(m) in users else gettext("unknown user")
            for m in layer.member_ids
        ],
    }


def layer_usernames(layer: Layer) -> list[str]:
    """A rotation's members' usernames in rotation order (the form's initial values)."""
    ids = [int(m) for m in layer.member_ids]
    names = dict(User.objects.filter(pk__in=ids).values_list("pk", "username"))
    return [names[i] for i in ids if i in names]


def override_words(override: Override) -> dict[str, Any]:
    """An override and whom it replaces at its start (the rotations' person then)."""
    spec = schedule_spec(override.schedule)
    bare = rota.ScheduleSpec(zone=spec.zone, layers=spec.layers)
    covered_ids = rota.on_call(bare, override.start)
    covered = [display_name(u) for u in User.objects.filter(pk__in=covered_ids)]
    return {"override": override, "user": display_name(override.user), "covered": covered}


def _minutes(value: float) -> str:
    n = int(value)
    return ngettext("%(n)d minute", "%(n)d minutes", n) % {"n": n}


def step_words(raw: dict[str, Any], first: bool) -> str:
    """A policy step as a sentence: "If nobody acknowledges within 5 minutes, page ..."."""
    try:
        step = Step.from_json(raw)
    except SnapshotError:
        return gettext("An unreadable step (the default policy is used).")
    if step.action == "schedule":
        whom = gettext("the person on call in the rota “%(name)s”") % {"name": step.schedule}
    elif step.action == "user":
        user = User.objects.filter(pk=step.user or 0).first()
        whom = display_name(user) if user is not None else gettext("unknown user")
    elif step.action == "coordinators":
        whom = gettext("every coordinator")
    else:
        whom = str(labels.step_action_label(step.action))
    how = channel_words(step)
    head = gettext("Page %(whom)s %(how)s") if first else gettext("Then page %(whom)s %(how)s")
    sentence = head % {"whom": whom, "how": how}
    if step.wait_minutes:
        sentence += "; " + gettext("if nobody acknowledges within %(wait)s, go on") % {
            "wait": _minutes(step.wait_minutes)
        }
    else:
        sentence += "; " + gettext("go on at once")
    return sentence + "."


def channel_words(step: Step) -> str:
    kinds = getattr(step, "channels", ()) or ()
    if not kinds:
        return gettext("on the duty desk and by every channel they have (e-mail, webhook)")
    words = {"email": gettext("e-mail"), "webhook": gettext("webhook")}
    return gettext("on the duty desk and by %(channels)s") % {
        "channels": ", ".join(words.get(k, k) for k in kinds)
    }


def policies() -> list[dict[str, Any]]:
    """Each urgency's policy with its steps in words, most urgent first."""
    order = {"immediate": 0, "urgent": 1, "routine": 2}
    found = sorted(EscalationPolicy.objects.all(), key=lambda p: order.get(p.urgency, 9))
    result = []
    for policy in found:
        steps = policy.steps if isinstance(policy.steps, list) else []
        result.append(
            {
                "policy": policy,
                "urgency": labels.urgency_label(policy.urgency),
                "steps": [step_words(s, i == 0) for i, s in enumerate(steps)],
            }
        )
    return result


def policy(urgency: str) -> EscalationPolicy | None:
    """The stored policy of an urgency; None while it pages by the defaults."""
    return EscalationPolicy.objects.filter(urgency=urgency).first()


def missing_policies() -> list[dict[str, Any]]:
    """Urgencies with no stored policy: they page by the defaults until one is saved."""
    stored = set(EscalationPolicy.objects.values_list("urgency", flat=True))
    return [
        {"urgency": u, "label": labels.urgency_label(u)} for u in Urgency.values if u not in stored
    ]


def people_reach() -> list[dict[str, Any]]:
    """Everyone a rota or policy may name, with their active ways to be woken (e-mail,
    webhook): who is missing one is who a publish would refuse."""
    from alerts.models import NotificationChannel

    people = list(rota_people())
    found: dict[int, list[NotificationChannel]] = {}
    for channel in NotificationChannel.objects.filter(user__in=people, active=True).order_by(
        "kind", "target"
    ):
        found.setdefault(channel.user_id, []).append(channel)
    return [{"user": u, "name": display_name(u), "channels": found.get(u.pk, [])} for u in people]
