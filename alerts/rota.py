"""Who is on call at an instant: pure functions over plain data (no ORM, no settings).

A layer hands off at a local wall-clock time in the node's zone. The hand-off instant of a
local date is `datetime.combine(date, handoff, tzinfo=zone)` with fold=0: in an autumn
repeat (Europe/Chisinau 2026-10-25 03:00 -> 02:00) the first occurrence counts; in a
spring gap (2026-03-29 02:00 -> 03:00) the wall-clock time is read with the offset before
the gap, i.e. it moves forward by the gap. The shift in force at T is the one whose
hand-off instant is the latest not after T, so a repeated hour never flips the rota back.

Final on-call: the users of overrides covering T if any, else the members of the highest
layer that has someone on call at T (a layer's optional local window may wrap midnight).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CHECK_STEP = timedelta(minutes=15)


@dataclass(frozen=True)
class LayerSpec:
    members: Sequence[int]
    handoff: time
    start: date
    rotation: str = "daily"  # daily | weekly
    order: int = 0
    window_start: time | None = None
    window_end: time | None = None


@dataclass(frozen=True)
class OverrideSpec:
    user: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class ScheduleSpec:
    zone: ZoneInfo
    layers: Sequence[LayerSpec]
    overrides: Sequence[OverrideSpec] = field(default_factory=tuple)


def handoff_instant(day: date, handoff: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a hand-off on a local date (fold=0, see the module docstring).

    UTC because Python compares two datetimes sharing a tzinfo by wall clock, ignoring
    fold: every comparison here is between UTC instants."""
    return datetime.combine(day, handoff, tzinfo=zone).astimezone(UTC)


def shift_start(at: datetime, handoff: time, zone: ZoneInfo) -> date:
    """The local date whose hand-off began the daily shift in force at `at`."""
    at = at.astimezone(UTC)
    local_day = at.astimezone(zone).date()
    for delta in (1, 0, -1, -2):
        day = local_day + timedelta(days=delta)
        if handoff_instant(day, handoff, zone) <= at:
            return day
    raise AssertionError("unreachable: a hand-off within two days is always found")


def layer_member(layer: LayerSpec, at: datetime, zone: ZoneInfo) -> int | None:
    """The member of a layer on call at `at`, or None (no members, before start, window)."""
    if not layer.members:
        return None
    day = shift_start(at, layer.handoff, zone)
    days = (day - layer.start).days
    if days < 0:
        return None
    if not _in_window(layer, at, zone):
        return None
    index = days if layer.rotation == "daily" else days // 7
    return layer.members[index % len(layer.members)]


def _in_window(layer: LayerSpec, at: datetime, zone: ZoneInfo) -> bool:
    if layer.window_start is None or layer.window_end is None:
        return True
    now = at.astimezone(zone).time()
    if layer.window_start <= layer.window_end:
        return layer.window_start <= now < layer.window_end
    return now >= layer.window_start or now < layer.window_end


def on_call(schedule: ScheduleSpec, at: datetime) -> list[int]:
    """User ids on call at `at` (aware)."""
    at = at.astimezone(UTC)
    overriding = [o.user for o in schedule.overrides if o.start <= at < o.end]
    if overriding:
        return list(dict.fromkeys(overriding))
    for layer in sorted(schedule.layers, key=lambda la: -la.order):
        member = layer_member(layer, at, schedule.zone)
        if member is not None:
            return [member]
    return []


def next_handoff(schedule: ScheduleSpec, at: datetime, horizon_days: int = 15) -> datetime | None:
    """The first instant after `at` when the on-call set changes, else the next hand-off."""
    at = at.astimezone(UTC)
    current = on_call(schedule, at)
    candidates: set[datetime] = set()
    local_day = at.astimezone(schedule.zone).date()
    for layer in schedule.layers:
        for delta in range(-1, horizon_days + 1):
            day = local_day + timedelta(days=delta)
            for moment in (layer.handoff, layer.window_start, layer.window_end):
                if moment is not None:
                    candidates.add(handoff_instant(day, moment, schedule.zone))
    for o in schedule.overrides:
        candidates.update((o.start, o.end))
    ahead = sorted(c for c in candidates if c > at)
    for instant in ahead:
        if on_call(schedule, instant) != current:
            return instant
    # Nobody else takes over (a one-person rota): the next scheduled hand-off still counts.
    handoffs = {
        handoff_instant(at.astimezone(schedule.zone).date() + timedelta(days=d), la.handoff,
                        schedule.zone)
        for la in schedule.layers for d in (0, 1, 2)
    }  # fmt: skip
    later = sorted(h for h in handoffs if h > at)
    return later[0] if later else None


def first_gap(schedule: ScheduleSpec, start: datetime, days: int = 14) -> datetime | None:
    """The first instant (on a 15-minute grid and at every boundary) nobody is on call."""
    start = start.astimezone(UTC)
    end = start + timedelta(days=days)
    instants: set[datetime] = set()
    moment = start
    while moment < end:
        instants.add(moment)
        moment += CHECK_STEP
    local_day = start.astimezone(schedule.zone).date()
    for layer in schedule.layers:
        for delta in range(-1, days + 1):
            day = local_day + timedelta(days=delta)
            for t in (layer.handoff, layer.window_start, layer.window_end):
                if t is not None:
                    instant = handoff_instant(day, t, schedule.zone)
                    if start <= instant < end:
                        instants.add(instant)
    for instant in sorted(instants):
        if not on_call(schedule, instant):
            return instant
    return None


@dataclass(frozen=True)
class Segment:
    """A stretch of time with one on-call set: `covered` is who the rotations would have
    had on call (non-empty only when an override replaces them: "who covers whom")."""

    start: datetime
    end: datetime
    users: tuple[int, ...]
    override: bool
    covered: tuple[int, ...] = ()


def segments(schedule: ScheduleSpec, start: datetime, end: datetime) -> list[Segment]:
    """The on-call sets from `start` to `end` (UTC instants), merged where unchanged.

    Evaluated at every instant the set can change (hand-offs, windows, overrides), so a
    calendar shows exactly what `on_call` answers, daylight saving included."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    instants = {start}
    local_day = start.astimezone(schedule.zone).date()
    days = (end - start).days + 2
    for layer in schedule.layers:
        for delta in range(-1, days + 1):
            day = local_day + timedelta(days=delta)
            for t in (layer.handoff, layer.window_start, layer.window_end):
                if t is not None:
                    instants.add(handoff_instant(day, t, schedule.zone))
    for o in schedule.overrides:
        instants.update((o.start, o.end))
    bare = ScheduleSpec(zone=schedule.zone, layers=schedule.layers)
    found: list[Segment] = []
    ordered = sorted(i for i in instants if start <= i < end)
    for index, instant in enumerate(ordered):
        users = tuple(on_call(schedule, instant))
        override = any(o.start <= instant < o.end for o in schedule.overrides)
        covered = tuple(on_call(bare, instant)) if override else ()
        stop = ordered[index + 1] if index + 1 < len(ordered) else end
        last = found[-1] if found else None
        if last is not None and (last.users, last.override, last.covered) == (
            users,
            override,
            covered,
        ):
            found[-1] = Segment(last.start, stop, users, override, covered)
        else:
            found.append(Segment(instant, stop, users, override, covered))
    return found
