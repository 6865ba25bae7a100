"""Thin background tasks: ids in, call the escalation/delivery code; idempotent.

The sweep (every 10 s, settings.CELERY_BEAT_SCHEDULE) is the guarantee; `escalate` and
`deliver` enqueued after commit only make things faster. In production these tasks run
on their own queue, `alerts` (settings.CELERY_TASK_ROUTES), with a worker of their own:
a backlog of federation deliveries never delays a page.

One bad alert cannot stop the others: each alert's due steps and each delivery run in
their own try/except. One that raises is logged, recorded (`alert.step_failed`, outcome
failure, in a transaction of its own) and left as it was: its pointer or its claim did
not move, so the next sweep tries it again. Sending runs outside every transaction of
the sweep (delivery.deliver opens none around the network call).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.utils import timezone

from alerts import delivery, escalation, sources
from audit.services import record
from node import counters

logger = logging.getLogger(__name__)

# Seconds. The sweep stays far inside the broker's visibility timeout (300 s, after which
# an unacknowledged task is handed out again); a delivery waits at most EMAIL_TIMEOUT or
# the webhook timeout per attempt. The soft limit raises inside the task (the work in
# hand is left for the next sweep), the hard one kills the worker child.
SWEEP_SOFT_LIMIT, SWEEP_LIMIT = 120, 150
TASK_SOFT_LIMIT, TASK_LIMIT = 60, 90


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def _record_failure(object_type: str, object_id: int, stage: str, exc: Exception) -> None:
    """Audit one failed alert or delivery, in a transaction of its own; never raises (the
    database may be what failed: the log line is then all there is)."""
    try:
        with transaction.atomic():
            record(
                action="alert.step_failed",
                actor=None,
                object_type=object_type,
                object_id=object_id,
                outcome="failure",
                details={"stage": stage, "error": _error(exc)},
            )
    except Exception:
        logger.exception("could not record the failure of %s %s", object_type, object_id)


def _check(name: str, run: Callable[[datetime], int], now: datetime) -> int:
    """Run one of the sweep's checks; a failing check is logged and the sweep goes on."""
    try:
        return run(now)
    except SoftTimeLimitExceeded:
        raise
    except Exception:
        logger.exception("alerts sweep: %s failed", name)
        return 0


@shared_task(
    name="alerts.tasks.sweep_escalations",
    acks_late=True,
    soft_time_limit=SWEEP_SOFT_LIMIT,
    time_limit=SWEEP_LIMIT,
)
def sweep_escalations() -> dict[str, int]:
    """Run every escalation step and delivery that is due; the checks that raise alerts.
    Its duration and end are kept for /metrics (a sweep that stops is alerted on)."""
    with counters.timed("sweep:escalations"):
        return _sweep(timezone.now())


def _sweep(now: datetime) -> dict[str, int]:
    late = _check("auditor", lambda at: len(escalation.audit_overdue(at)), now)
    paged = failed = 0
    for alert_id in escalation.due_alert_ids(now):
        try:
            paged += escalation.run_due(alert_id, now)
        except SoftTimeLimitExceeded:
            raise
        except Exception as exc:  # this alert only: the others still escalate
            logger.exception("escalation of alert %s failed; retried next sweep", alert_id)
            _record_failure("alerts.alert", alert_id, "escalation", exc)
            failed += 1
    sent = 0
    for delivery_id in delivery.due_ids(now):
        try:
            sent += int(delivery.deliver(delivery_id) == "sent")
        except SoftTimeLimitExceeded:
            raise
        except Exception as exc:  # a bug or the database, not the far side (deliver retries that)
            logger.exception("delivery %s failed; retried next sweep", delivery_id)
            _record_failure("alerts.delivery", delivery_id, "delivery", exc)
            failed += 1
    silent = _check("peer silence", sources.check_peer_silence, now)
    unacked = _check("unacknowledged", sources.check_unacknowledged, now)
    return {"late": late, "paged": paged, "sent": sent, "failed": failed, "silent": silent,
            "unacked": unacked}  # fmt: skip


@shared_task(
    name="alerts.tasks.escalate",
    acks_late=True,
    soft_time_limit=TASK_SOFT_LIMIT,
    time_limit=TASK_LIMIT,
)
def escalate(alert_id: int) -> int:
    return escalation.run_due(alert_id)


@shared_task(
    name="alerts.tasks.deliver",
    acks_late=True,
    soft_time_limit=TASK_SOFT_LIMIT,
    time_limit=TASK_LIMIT,
)
def deliver(delivery_id: int) -> str:
    return delivery.deliver(delivery_id)
