"""E-mail and webhook pages: a Delivery row per (page, channel), sent after commit.

A delivery is claimed by a compare-and-set UPDATE (queued -> sending, or a `sending`
claim older than CLAIM_TTL, left by a killed worker), sent with no lock held, then
marked sent, or queued again with exponential back-off, or failed after MAX_ATTEMPTS.
At-least-once: a worker killed between sending and marking may send once more; the page
itself (the Page row) is never duplicated.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from alerts.models import ChannelKind, Delivery, NotificationChannel, Page
from audit.services import record
from node import jobs

logger = logging.getLogger(__name__)

CLAIM_TTL = timedelta(minutes=2)
MAX_ATTEMPTS = 6
WEBHOOK_TIMEOUT = 5.0


def retry_base_seconds() -> float:
    return float(getattr(settings, "ALERTS_RETRY_BASE_SECONDS", 10))


def queue_for_page(page: Page, now: datetime) -> list[Delivery]:
    """One Delivery per active channel of the paged person; sent after commit."""
    created = []
    for channel in NotificationChannel.objects.filter(user_id=page.user_id, active=True):
        delivery = Delivery.objects.create(page=page, channel=channel, next_attempt_at=now)
        jobs.enqueue("alerts.tasks.deliver", delivery.pk)
        created.append(delivery)
    return created


def payload(delivery: Delivery) -> dict[str, Any]:
    alert = delivery.page.alert
    return {
        "node": settings.NODE_COUNTRY,
        "alert": alert.pk,
        "kind": alert.kind,
        "title": alert.title,
        "summary": alert.summary,
        "urgency": alert.urgency,
        "origin": alert.origin,
        "created_at": alert.created_at.isoformat(),
        "step": delivery.page.step,
        "repeat": delivery.page.repeat,
        "delivery": delivery.pk,
    }


def claim(delivery_id: int, now: datetime) -> bool:
    due = Q(status=Delivery.Status.QUEUED, next_attempt_at__lte=now) | Q(
        status=Delivery.Status.SENDING, claimed_at__lt=now - CLAIM_TTL
    )
    return (
        Delivery.objects.filter(due, pk=delivery_id).update(
            status=Delivery.Status.SENDING, claimed_at=now
        )
        == 1
    )


def _send(delivery: Delivery) -> None:
    data = payload(delivery)
    if delivery.channel.kind == ChannelKind.EMAIL:
        subject = f"[net247 {settings.NODE_COUNTRY}] {data['urgency'].upper()}: {data['title']}"
        body = f"{data['title']}\n\n{data['summary']}\n\nalert #{data['alert']} ({data['kind']})"
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [delivery.channel.target])
    else:
        response = httpx.post(delivery.channel.target, json=data, timeout=WEBHOOK_TIMEOUT)
        if response.status_code >= 300:
            raise RuntimeError(f"webhook answered {response.status_code}")


def deliver(delivery_id: int) -> str:
    """Send one delivery if it is due; returns its status afterwards."""
    now = timezone.now()
    if not claim(delivery_id, now):
        return "skipped"
    delivery = Delivery.objects.select_related("page__alert", "channel").get(pk=delivery_id)
    try:
        _send(delivery)
    except Exception as exc:  # any failure of the far side is retried from the row
        attempts = delivery.attempts + 1
        error = f"{type(exc).__name__}: {exc}"[:300]
        with transaction.atomic():
            if attempts >= MAX_ATTEMPTS:
                Delivery.objects.filter(pk=delivery_id).update(
                    status=Delivery.Status.FAILED, attempts=attempts, last_error=error
                )
                record(
                    action="alert.delivery_failed",
                    actor=None,
                    object_type="alerts.alert",
                    object_id=delivery.page.alert_id,
                    outcome="failure",
                    details={"channel": delivery.channel.kind, "error": error},
                )
                return Delivery.Status.FAILED
            delay = retry_base_seconds() * (2 ** (attempts - 1))
            Delivery.objects.filter(pk=delivery_id).update(
                status=Delivery.Status.QUEUED,
                attempts=attempts,
                last_error=error,
                next_attempt_at=timezone.now() + timedelta(seconds=delay),
            )
        logger.info("delivery %s failed (attempt %s): %s", delivery_id, attempts, error)
        return Delivery.Status.QUEUED
    Delivery.objects.filter(pk=delivery_id).update(
        status=Delivery.Status.SENT, attempts=delivery.attempts + 1, sent_at=timezone.now()
    )
    return Delivery.Status.SENT


def due_ids(now: datetime) -> list[int]:
    due = Q(status=Delivery.Status.QUEUED, next_attempt_at__lte=now) | Q(
        status=Delivery.Status.SENDING, claimed_at__lt=now - CLAIM_TTL
    )
    return list(Delivery.objects.filter(due).values_list("pk", flat=True)[:200])
