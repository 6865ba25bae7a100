"""Exchange read side: threads with proof of delivery, and peers' delivery health."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Min, Q
from django.utils import timezone

from exchange.models import InboundMessage, OutboundMessage, OutboxStatus, Peer


def thread_messages(thread: str) -> list[dict[str, Any]]:
    """Both directions of a thread in time order; outbound ones carry their receipts."""
    items: list[dict[str, Any]] = []
    for inbound in InboundMessage.objects.filter(thread=thread):
        items.append(
            {
                "direction": "in",
                "envelope_id": inbound.envelope_id,
                "origin": inbound.origin,
                "type": inbound.type,
                "at": inbound.created_at,
                "envelope": inbound.envelope,
                "state": inbound.state,
            }
        )
    for outbound in OutboundMessage.objects.filter(thread=thread).prefetch_related(
        "entries__destination"
    ):
        items.append(
            {
                "direction": "out",
                "envelope_id": outbound.envelope_id,
                "type": outbound.type,
                "at": outbound.created_at,
                "envelope": outbound.envelope,
                "deliveries": [
                    {
                        "destination": e.destination.country,
                        "status": e.status,
                        "delivered_at": e.delivered_at,
                        "receipt": e.receipt,
                    }
                    for e in outbound.entries.all()
                ],
            }
        )
    return sorted(items, key=lambda item: (item["at"], item["envelope_id"]))


def _iso(value: Any) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def peers_health() -> list[dict[str, Any]]:
    """Per peer: queued, age of the oldest queued, failing since, last receipt, last heard."""
    now = timezone.now()
    queued = Q(outbox__status=OutboxStatus.QUEUED)
    rows = Peer.objects.annotate(
        queued=Count("outbox", filter=queued),
        failed=Count("outbox", filter=Q(outbox__status=OutboxStatus.FAILED)),
        oldest=Min("outbox__message__created_at", filter=queued),
    ).prefetch_related("keys")
    result = []
    for peer in rows:
        result.append(
            {
                "country": peer.country,
                "url": peer.url,
                "active": peer.active,
                "queued": peer.queued,
                "failed": peer.failed,
                "oldest_queued_age_seconds": int((now - peer.oldest).total_seconds())
                if peer.oldest
                else None,
                "failing_since": _iso(peer.failing_since),
                "last_error": peer.last_error,
                "last_receipt_at": _iso(peer.last_receipt_at),
                "last_heard_at": _iso(peer.last_heard_at),
                "backoff_level": peer.backoff_level,
                "keys": [
                    {
                        "id": k.key_id,
                        "public_key": k.public_key,
                        "trusted": k.trusted,
                        "valid_from": _iso(k.valid_from),
                        "valid_until": _iso(k.valid_until),
                    }
                    for k in peer.keys.all()
                ],
            }
        )
    return result
