"""The escalation chain copied into an alert when it starts: a typed, versioned object.

`Alert.snapshot` holds `Snapshot.to_json()`: `{"version": 1, "urgency", "steps": [...],
"repeat", "ack_window_minutes"}`. Rows written before the version existed hold the same
dict without `version`; `from_json` reads them as version 1. A policy is validated with
the same `Step.from_json` when it is saved (`alerts.services.policy_set`), so what a
policy accepts is exactly what an escalation can run.

A step names one action:
- `schedule`: whoever is on call in the schedule `schedule` (default "default");
- `user`: one person, `user` (an id);
- `users`: the people named by the raiser, `users` (ids; only alert_raise writes it);
- `coordinators`: every active coordinator.
Every step has `wait_minutes` (>= 0): how long until the next step runs, and may have
`channels` (a list of "email", "webhook"): the channels its pages go out by besides the
duty desk; absent or empty means every active channel of the person.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from alerts.errors import AlertsError

VERSION = 1
ACTIONS = ("schedule", "user", "users", "coordinators")
# What a stored policy may hold: `users` is the raiser's list, never a policy's.
POLICY_ACTIONS = ("schedule", "user", "coordinators")
CHANNEL_KINDS = ("email", "webhook")


class SnapshotError(AlertsError):
    """A snapshot or step that cannot be run; `field` is "steps" or "snapshot"."""


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _user_id(value: Any) -> int | None:
    """A user id: an integer, or the digits of one (policies once stored either)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


@dataclass(frozen=True)
class Step:
    action: str
    wait_minutes: float = 0
    schedule: str | None = None
    user: int | None = None
    users: tuple[int, ...] = ()
    channels: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Step:
        """Parse one step; unknown keys are ignored (old policies may carry some)."""
        if not isinstance(data, Mapping):
            raise SnapshotError("steps", _("a step must be an object"))
        action = data.get("action")
        if action not in ACTIONS:
            known = ", ".join(ACTIONS)
            raise SnapshotError(
                "steps",
                _('unknown action "%(action)s" (one of: %(known)s)')
                % {"action": action, "known": known},
            )
        wait = data.get("wait_minutes", 0)
        if not _number(wait) or wait < 0:
            raise SnapshotError("steps", _("the wait must be a number of minutes, 0 or more"))
        kinds = data.get("channels") or []
        if not isinstance(kinds, list | tuple) or any(k not in CHANNEL_KINDS for k in kinds):
            raise SnapshotError("steps", _("channels must be a list of: e-mail, webhook"))
        via = tuple(dict.fromkeys(kinds))
        if action == "schedule":
            name = data.get("schedule", "default")
            if not isinstance(name, str) or not name:
                raise SnapshotError("steps", _("a schedule step must name a schedule"))
            return cls(action="schedule", wait_minutes=wait, schedule=name, channels=via)
        if action == "user":
            user = _user_id(data.get("user"))
            if user is None:
                raise SnapshotError("steps", _("a user step must name a user (an id)"))
            return cls(action="user", wait_minutes=wait, user=user, channels=via)
        if action == "users":
            raw = data.get("users", [])
            users = [_user_id(u) for u in raw] if isinstance(raw, list | tuple) else [None]
            ids = tuple(u for u in users if u is not None)
            if len(ids) != len(users):
                raise SnapshotError("steps", _("users must be a list of user ids"))
            return cls(action="users", wait_minutes=wait, users=ids, channels=via)
        return cls(action="coordinators", wait_minutes=wait, channels=via)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.action, "wait_minutes": self.wait_minutes}
        if self.action == "schedule":
            out["schedule"] = self.schedule or "default"
        elif self.action == "user":
            out["user"] = self.user
        elif self.action == "users":
            out["users"] = list(self.users)
        if self.channels:
            out["channels"] = list(self.channels)
        return out


@dataclass(frozen=True)
class Snapshot:
    urgency: str
    steps: tuple[Step, ...]
    repeat: int = 0
    ack_window_minutes: int = 15
    version: int = field(default=VERSION)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Snapshot:
        """Read a stored snapshot, versioned or from before versions (version 1)."""
        if not isinstance(data, Mapping):
            raise SnapshotError("snapshot", _("a snapshot must be an object"))
        version = data.get("version", 1)
        if version != VERSION:
            raise SnapshotError(
                "snapshot", _("unknown snapshot version %(v)s") % {"v": repr(version)}
            )
        raw_steps = data.get("steps", [])
        if not isinstance(raw_steps, list | tuple) or not raw_steps:
            raise SnapshotError("snapshot", _("at least one step"))
        repeat = data.get("repeat", 0)
        window = data.get("ack_window_minutes", 15)
        if not isinstance(repeat, int) or repeat < 0:
            raise SnapshotError("snapshot", _("repeat must be a whole number, 0 or more"))
        if not isinstance(window, int) or window < 0:
            raise SnapshotError(
                "snapshot",
                _("the acknowledgement window must be a whole number of minutes, 0 or more"),
            )
        return cls(
            urgency=str(data.get("urgency", "")),
            steps=tuple(Step.from_json(s) for s in raw_steps),
            repeat=repeat,
            ack_window_minutes=window,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "urgency": self.urgency,
            "steps": [s.to_json() for s in self.steps],
            "repeat": self.repeat,
            "ack_window_minutes": self.ack_window_minutes,
        }
