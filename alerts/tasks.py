"""Thin background tasks: ids in, call the escalation/delivery code; idempotent.

The sweep (every 10 s, settings.CELERY_BEAT_SCHEDULE) is the guarantee; `escalate` and
`deliver` enqueued after commit only make things faster.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from alerts import delivery, escalation, sources

logger = logging.getLogger(__name__)


@shared_task(name="alerts.tasks.sweep_escalations", acks_late=True)
def sweep_escalations() -> dict[str, int]:
    """Run every escalation step and delivery that is due; the checks that raise alerts."""
    now = timezone.now()
    late = escalation.audit_overdue(now)
    paged = 0
    for alert_id in escalation.due_alert_ids(now):
        paged += escalation.run_due(alert_id, now)
    sent = 0
    for delivery_id in delivery.due_ids(now):
        sent += int(delivery.deliver(delivery_id) == "sent")
    silent = sources.check_peer_silence(now)
    unacked = sources.check_unacknowledged(now)
    return {"late": len(late), "paged": paged, "sent": sent, "silent": silent,
            "unacked": unacked}  # fmt: skip


@shared_task(name="alerts.tasks.escalate", acks_late=True)
def escalate(alert_id: int) -> int:
    return escalation.run_due(alert_id)


@shared_task(name="alerts.tasks.deliver", acks_late=True)
def deliver(delivery_id: int) -> str:
    return delivery.deliver(delivery_id)
