"""Exchange read side: what the inbox reads per envelope, threads with proof of
delivery, and peers' delivery health."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from django.db import connection, models
from django.db.models import Count, Min, Q
from django.utils import timezone

from exchange.models import (
    InboundMessage,
    InboundState,
    OutboundMessage,
    OutboxEntry,
    OutboxStatus,
    Peer,
    PeerKey,
)
from net247 import latency, sql
from node.models import NodeKey

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class InboxContext:
    """What the inbox needs before it verifies and stores one envelope."""

    peer: Peer | None  # the active peer the envelope claims as origin
    key: PeerKey | None  # that peer's trusted key named in the signature
    signing_key_id: str | None  # our current key, which signs the receipt
    thread_waiting: bool  # messages of the envelope's thread wait for something


def _columns(model: type[models.Model], alias: str) -> list[str]:
    quote = connection.ops.quote_name
    return [f"{alias}.{quote(f.column or f.attname)}" for f in model._meta.concrete_fields]


@cache
def _inbox_sql(vendor: str) -> str:
    peer, key = _columns(Peer, "p"), _columns(PeerKey, "k")
    # Only table and column names from the models are formatted in; values are parameters.
    return (
        f"SELECT {', '.join(peer + key)},"  # noqa: S608
        f" (SELECT n.key_id FROM {NodeKey._meta.db_table} n WHERE n.is_current),"
        f" EXISTS (SELECT 1 FROM {InboundMessage._meta.db_table} m"
        f"  WHERE m.thread = %s AND m.state = %s)"
        f" FROM {Peer._meta.db_table} p"
        f" LEFT JOIN {PeerKey._meta.db_table} k"
        f"  ON k.peer_id = p.id AND k.key_id = %s AND k.trusted"
        f" WHERE p.country = %s AND p.active"
    )


@cache
def _converters(model: type[models.Model], vendor: str) -> list[tuple[Any, list[Any]]]:
    """Per concrete field: its column and the converters the ORM applies to its values."""
    result = []
    for field in model._meta.concrete_fields:
        column = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        result.append((column, converters))
    return result


def _instance(model: type[M], values: Sequence[Any]) -> M:
    """A model instance from its concrete columns in a raw row, converted as the ORM does
    (SQLite hands back datetimes as text)."""
    connection = sql.db()
    converted = []
    for (column, converters), value in zip(
        _converters(model, connection.vendor), values, strict=True
    ):
        for convert in converters:
            value = convert(value, column, connection)
        converted.append(value)
    names = [f.attname for f in model._meta.concrete_fields]
    return model.from_db(connection.alias, names, converted)


def inbox_context(origin: str, key_id: str, thread: str) -> InboxContext:
    """One round trip per envelope, in plain SQL: the ORM's cost for the three lookups
    was most of the inbox's own time. Peers and keys are still read on every request,
    so `peer add` and a learnt `node.keys` count at once."""
    found = sql.fetch(_inbox_sql(connection.vendor), [thread, InboundState.WAITING, key_id, origin])
    if not found:
        return InboxContext(None, None, None, False)
    row = found[0]
    n_peer = len(Peer._meta.concrete_fields)
    n_key = len(PeerKey._meta.concrete_fields)
    peer = _instance(Peer, row[:n_peer])
    key_values = row[n_peer : n_peer + n_key]
    key = None
    if key_values[0] is not None:
        key = _instance(PeerKey, key_values)
        key.peer = peer
    return InboxContext(peer, key, row[-2], bool(row[-1]))


def sent_to(envelope_id: str, country: str) -> bool:
    """Did this node send the message `envelope_id` to `country`?"""
    return OutboxEntry.objects.filter(
        message__envelope_id=envelope_id, destination__country=country
    ).exists()


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
                "probed_at": _iso(peer.probed_at),
                "probe_error": peer.probe_error,
                "keys_applied_at": _iso(peer.keys_applied_at),
                "keys": [
                    {
                        "id": k.key_id,
                        "public_key": k.public_key,
                        "trusted": k.trusted,
                        "valid_from": _iso(k.valid_from),
                        "valid_until": _iso(k.valid_until),
                        "distrusted_at": _iso(k.distrusted_at),
                    }
                    for k in peer.keys.all()
                ],
            }
        )
    return result


# Contract error codes (federation-v1 section 4) and ours for floods: /metrics lists each.
REJECTION_CODES = (
    "malformed", "too_large", "unknown_peer", "not_addressed", "unknown_key", "bad_signature",
    "clock_skew", "conflict", "unsupported", "invalid_body", "rate_limited",
)  # fmt: skip


def inbound_counts() -> dict[tuple[str, str], int]:
    """Messages stored by the inbox, per (type, state): every acceptance is one row."""
    rows = InboundMessage.objects.values_list("type", "state").annotate(n=Count("pk"))
    return {(type_, state): n for type_, state, n in rows}


def delivery_latency_buckets(bounds: Sequence[float]) -> tuple[list[int], int, float]:
    """Delivered entries by seconds from the message's signing to its verified receipt:
    cumulative counts per bound, the total, and the sum of seconds."""
    delivered = OutboxEntry.objects.filter(
        status=OutboxStatus.DELIVERED, delivered_at__isnull=False
    )
    return latency.buckets(delivered, "delivered_at", "message__created_at", bounds)
