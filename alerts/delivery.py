"""E-mail and webhook pages: a Delivery row per (page, channel), sent after commit.

This module is the state machine; what a page says is `alerts.channels.message`, how it
travels is the channel of the row's kind (`alerts.channels`, one interface per kind). A
delivery is claimed by a compare-and-set UPDATE (queued -> sending, or a `sending`
claim older than CLAIM_TTL, left by a killed worker), sent with no lock held, then
marked sent, or queued again with exponential back-off, or failed after MAX_ATTEMPTS
(audited). A row whose kind has no channel fails at once: it is never sent some other way.
At-least-once: a worker killed between sending and marking may send once more; the page
itself (the Page row) is never duplicated.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from alerts import channels
from alerts.channels import message
from alerts.channels.base import WebhookPayload
from alerts.models import Delivery, NotificationChannel, Page
from audit.services import record
from node import jobs

logger = logging.getLogger(__name__)

CLAIM_TTL = timedelta(minutes=2)
MAX_ATTEMPTS = 6


def retry_base_seconds() -> float:
    return float(settings.ALERTS_RETRY_BASE_SECONDS)


def queue_for_page(page: Page, now: datetime, kinds: Sequence[str] = ()) -> list[Delivery]:
    """One Delivery per active channel of the paged person (of `kinds` when the step
    names some); sent after commit."""
    created = []
    found = NotificationChannel.objects.filter(user_id=page.user_id, active=True)
    if kinds:
        found = found.filter(kind__in=list(kinds))
    for channel in found:
        delivery = Delivery.objects.create(page=page, channel=channel, next_attempt_at=now)
        jobs.enqueue("alerts.tasks.deliver", delivery.pk)
        created.append(delivery)
    return created


def payload(delivery: Delivery) -> WebhookPayload:
    """The webhook JSON of a delivery (kept for callers that show or log it)."""
    return message.compose(delivery).payload


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


def _fail(delivery: Delivery, attempts: int, error: str) -> str:
    """Give up on a delivery: marked failed and audited, in one transaction."""
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED, attempts=attempts, last_error=error
        )
        record(
            action="alert.delivery_failed",
            actor=None,
            object_type="alerts.alert",
            object_id=delivery.page.alert_id,
            outcome="failure",
            details={"channel": delivery.channel.kind, "delivery": delivery.pk, "error": error},
        )
    logger.warning("delivery %s failed for good: %s", delivery.pk, error)
    return Delivery.Status.FAILED


def deliver(delivery_id: int) -> str:
    """Send one delivery if it is due; returns its status afterwards.

    The channel is looked up by the row's kind: an unknown kind fails the delivery at once
    (audited), never falls through to another channel. Composing and sending run with no
    transaction open and no lock held."""
    now = timezone.now()
    if not claim(delivery_id, now):
        return "skipped"
    delivery = Delivery.objects.select_related("page__alert", "page__user", "channel").get(
        pk=delivery_id
    )
    attempts = delivery.attempts + 1
    try:
        channel = channels.get(delivery.channel.kind)
    except channels.UnknownChannel as exc:
        return _fail(delivery, attempts, f"UnknownChannel: {exc}"[:300])
    try:
        channel.send(message.compose(delivery))
    except Exception as exc:  # any failure of the far side is retried from the row
        error = f"{type(exc).__name__}: {exc}"[:300]
        if attempts >= MAX_ATTEMPTS:
            return _fail(delivery, attempts, error)
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
        status=Delivery.Status.SENT, attempts=attempts, sent_at=timezone.now()
    )
    return Delivery.Status.SENT


def due_ids(now: datetime) -> list[int]:
    due = Q(status=Delivery.Status.QUEUED, next_attempt_at__lte=now) | Q(
        status=Delivery.Status.SENDING, claimed_at__lt=now - CLAIM_TTL
    )
    return list(Delivery.objects.filter(due).values_list("pk", flat=True)[:200])
