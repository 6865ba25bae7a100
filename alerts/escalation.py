"""Escalation: a state machine over the alert row, run by `alerts.tasks.sweep_escalations`.

States: triggered -> acknowledged -> resolved (resolved also straight from triggered).
While triggered, the alert holds a pointer (next_step, next_repeat, next_step_at) into
its snapshot (the policy's steps as they were when the alert started, so a policy edit
never moves a running escalation; a typed, versioned `alerts.snapshot.Snapshot`, stored
as its JSON). Running a step:

1. claim it: a compare-and-set UPDATE moves the pointer on only if it still names this
   (step, repeat) and the alert is still triggered. Whoever loses the race does nothing.
2. in the same transaction: a StepRun row (unique on alert, step, repeat) and one Page row
   per target (unique on alert, step, repeat, user): the guard tokens. A retried task, a
   second sweep or a worker restarted after SIGKILL finds the pointer already moved (and
   would hit the unique rows if not), so nobody is paged twice; a transaction that died
   before commit left the pointer where it was, so the step runs again: nothing is lost.
3. per page: an AlertEvent (duty desk) and a Delivery row per channel (e-mail, webhook),
   sent after commit and retried from their rows.

Acknowledgement (by any target) or resolution clears next_step_at: nothing more runs.
The first step runs inside alert_raise's transaction (the alert and its first pages
commit together). `audit_overdue` is the auditor: a triggered alert whose step is due
for longer than a grace period is recorded (`alert.step_late`) and run.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from alerts import delivery, events
from alerts.models import Alert, AlertState, Page, StepRun
from alerts.snapshot import Snapshot, SnapshotError, Step
from audit.services import record
from net247 import db

logger = logging.getLogger(__name__)

LATE_GRACE = timedelta(seconds=60)
DEFAULT_STEPS: dict[str, tuple[list[dict[str, Any]], int, int]] = {
    # urgency: (steps, repeat, ack window minutes)
    "immediate": (
        [
            {"action": "schedule", "schedule": "default", "wait_minutes": 5},
            {"action": "coordinators", "wait_minutes": 5},
        ],
        3,
        15,
    ),
    "urgent": (
        [
            {"action": "schedule", "schedule": "default", "wait_minutes": 15},
            {"action": "coordinators", "wait_minutes": 15},
        ],
        2,
        60,
    ),
    "routine": ([{"action": "schedule", "schedule": "default", "wait_minutes": 60}], 0, 1440),
}


def snapshot_for(urgency: str, users: list[int] | None) -> dict[str, Any]:
    """The chain an alert will follow, copied now (the row form of a `Snapshot`); named
    users are paged first."""
    from alerts import selectors

    policy = selectors.escalation_policy(urgency)
    raw, repeat, window = policy if policy is not None else DEFAULT_STEPS[urgency]
    try:
        steps = [Step.from_json(s) for s in raw]
    except SnapshotError as exc:
        # A policy stored before policies were checked: page by the defaults rather than
        # fail the raise (which would fail the message that raised it) or page nobody.
        logger.error("escalation policy %s cannot be read (%s): default steps used", urgency, exc)
        raw, repeat, window = DEFAULT_STEPS[urgency]
        steps = [Step.from_json(s) for s in raw]
    if users:
        first_wait = steps[0].wait_minutes if steps else 5
        steps = [Step(action="users", users=tuple(users), wait_minutes=first_wait), *steps]
    if not steps:
        steps = [Step(action="coordinators", wait_minutes=15)]
    snap = Snapshot(urgency=urgency, steps=tuple(steps), repeat=repeat, ack_window_minutes=window)
    return snap.to_json()


def targets_of(step: Step | Mapping[str, Any], at: datetime) -> list[int]:
    """The active users a step pages, in the step's order. Never nobody: an empty or
    inactive rota falls back to the coordinators, then the admins. Who is active, and
    the fallbacks, come from one query. Auditors are never paged. A step that cannot be
    read raises SnapshotError."""
    from alerts import selectors

    if not isinstance(step, Step):
        step = Step.from_json(step)
    ids: list[int] = []
    if step.action == "schedule":
        ids = selectors.on_call_ids(step.schedule or "default", at)
    elif step.action == "user" and step.user is not None:
        ids = [step.user]
    elif step.action == "users":
        ids = list(step.users)
    active = selectors.active_roles(ids)
    # Auditors see no content: a step naming one (a case's owner since made auditor, a
    # rota member) never pages them.
    chosen = [i for i in ids if i in active and active[i] != Role.AUDITOR]
    for fallback in (Role.COORDINATOR, Role.ADMIN):
        if not chosen:
            chosen = sorted(pk for pk, role in active.items() if role == fallback)
    return list(dict.fromkeys(chosen))


def _after(snap: Snapshot, step: int, repeat: int) -> tuple[int, int]:
    if step + 1 < len(snap.steps):
        return step + 1, repeat
    return 0, repeat + 1


@dataclass(frozen=True)
class Claim:
    """A step taken by one runner: which one, when it was due, and what it does."""

    step: int
    repeat: int
    due: datetime
    spec: Step


def advance(alert: Alert, now: datetime) -> Claim | None:
    """Point the alert (in memory) at the step after its due one; the due step's Claim,
    or None if nothing is due. The caller writes the move: `run_step` as a guarded
    UPDATE, `alert_raise` in the insert of a new alert, which nobody else can see yet.
    A snapshot that cannot be read (or a pointer past its steps) raises SnapshotError:
    the alert's runner fails, the sweep records it and the next sweep tries again."""
    step, repeat, due = alert.next_step, alert.next_repeat, alert.next_step_at
    if alert.state != AlertState.TRIGGERED or due is None:
        return None
    snap = Snapshot.from_json(alert.snapshot)
    if step >= len(snap.steps):
        raise SnapshotError("snapshot", f"step {step} is past the snapshot's {len(snap.steps)}")
    spec = snap.steps[step]
    next_step, next_repeat = _after(snap, step, repeat)
    wait = timedelta(minutes=float(spec.wait_minutes))
    next_at = now + wait if next_repeat <= snap.repeat else None
    alert.next_step, alert.next_repeat, alert.next_step_at = next_step, next_repeat, next_at
    return Claim(step, repeat, due, spec)


def run_step(alert: Alert, now: datetime) -> int:
    """Claim and run the step the alert points at (caller holds a transaction). Pages made."""
    before = (alert.next_step, alert.next_repeat, alert.next_step_at)
    claim = advance(alert, now)
    if claim is None:
        return 0
    claimed = Alert.objects.filter(
        pk=alert.pk, state=AlertState.TRIGGERED, next_step=claim.step, next_repeat=claim.repeat
    ).update(
        next_step=alert.next_step, next_repeat=alert.next_repeat, next_step_at=alert.next_step_at
    )
    if claimed != 1:
        alert.next_step, alert.next_repeat, alert.next_step_at = before  # another runner won
        return 0
    return run_claimed(alert, claim, now)


def run_claimed(alert: Alert, claim: Claim, now: datetime) -> int:
    """Page the targets of a claimed step and record it. Pages made."""
    step, repeat, spec = claim.step, claim.repeat, claim.spec
    paged = 0
    for user_id in targets_of(spec, now):
        page = Page(alert=alert, step=step, repeat=repeat, user_id=user_id)
        # One statement, no savepoint: a page already there is the guard holding.
        if not db.insert(page, conflict=("alert", "step", "repeat", "user")):
            continue  # this person was already paged by this step
        events.emit(user_id, alert, "alert.paged")
        delivery.queue_for_page(page, now, spec.channels)
        paged += 1
    db.insert(StepRun(alert=alert, step=step, repeat=repeat, due_at=claim.due, paged=paged))
    record(
        action="alert.step_ran",
        actor=None,
        object_type="alerts.alert",
        object_id=alert.pk,
        details={"step": step, "repeat": repeat, "action": spec.action, "paged": paged},
    )
    return paged


def run_due(alert_id: int, now: datetime | None = None) -> int:
    """Run every step of one alert that is due now; safe to call twice at once."""
    now = now or timezone.now()
    total = 0
    with transaction.atomic():
        alert = Alert.objects.select_for_update(no_key=True).filter(pk=alert_id).first()
        limit = 64  # steps with a zero wait run back to back, bounded
        while (
            alert is not None
            and alert.state == AlertState.TRIGGERED
            and alert.next_step_at is not None
            and alert.next_step_at <= now
            and limit > 0
        ):
            before = (alert.next_step, alert.next_repeat)
            total += run_step(alert, now)
            if (alert.next_step, alert.next_repeat) == before:
                break  # lost the claim to another runner
            limit -= 1
    return total


def due_alert_ids(now: datetime) -> list[int]:
    return list(
        Alert.objects.filter(state=AlertState.TRIGGERED, next_step_at__lte=now)
        .order_by("next_step_at")
        .values_list("pk", flat=True)[:200]
    )


def audit_overdue(now: datetime) -> list[int]:
    """The auditor: due steps that did not run within the grace period are recorded."""
    late = list(
        Alert.objects.filter(
            state=AlertState.TRIGGERED, next_step_at__lt=now - LATE_GRACE
        ).values_list("pk", "next_step", "next_repeat", "next_step_at")[:200]
    )
    for pk, step, repeat, due in late:
        logger.warning("escalation step late: alert %s step %s repeat %s", pk, step, repeat)
        with transaction.atomic():
            record(
                action="alert.step_late",
                actor=None,
                object_type="alerts.alert",
                object_id=pk,
                outcome="failure",
                details={"step": step, "repeat": repeat, "due_at": str(due)},
            )
    return [row[0] for row in late]
