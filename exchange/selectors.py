"""Exchange read side: what the inbox reads per envelope, threads with proof of
delivery, and peers' delivery health."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Count, Min
from django.utils import timezone

from exchange import contacts, queries, schemas
from exchange.models import (
    InboundMessage,
    InboundState,
    OutboundMessage,
    OutboxEntry,
    OutboxStatus,
    Peer,
    PeerKey,
)
from net247 import db, latency
from node import counters


@dataclass(frozen=True)
class InboxContext:
    """What the inbox needs before it verifies and stores one envelope."""

    peer: Peer | None  # the active peer the envelope claims as origin
    key: PeerKey | None  # that peer's trusted key named in the signature
    signing_key_id: str | None  # our current key, which signs the receipt
    thread_waiting: bool  # messages of the envelope's thread wait for something


def inbox_context(origin: str, key_id: str, thread: str) -> InboxContext:
    """One round trip per envelope, in plain SQL: the ORM's cost for the three lookups
    was most of the inbox's own time. Peers and keys are still read on every request,
    so `peer add` and a learnt `node.keys` count at once."""
    found = db.fetch(
        queries.inbox_context(db.vendor()), [thread, InboundState.WAITING, key_id, origin]
    )
    if not found:
        return InboxContext(None, None, None, False)
    row = found[0]
    peer = db.load(Peer, row, "peer__")
    key = None
    if row["key__id"] is not None:
        key = db.load(PeerKey, row, "key__")
        key.peer = peer
    return InboxContext(peer, key, row["signing_key_id"], bool(row["thread_waiting"]))


def trusted_peer_key(origin: str, key_id: str) -> PeerKey | None:
    """The trusted key `key_id` of the peer `origin`, or None. Read on every call, as the
    inbox reads its keys (a distrusted key stops counting at once), in one cached
    statement: a sender verifies a receipt per delivery, and building the ORM query was a
    quarter of a delivery's CPU."""
    found = db.fetch(queries.trusted_key(db.vendor()), [key_id, origin])
    return db.load(PeerKey, found[0]) if found else None


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
    return schemas.format_time(value) if value else None


class PeerState:
    OK, FAILING, SILENT, INACTIVE = "ok", "failing", "silent", "inactive"
    ALL = (OK, FAILING, SILENT, INACTIVE)


def silence_after() -> timedelta:
    """How long a peer may say nothing (no message, receipt or verified key document)
    before it counts as silent; alerts raises `peer_silent` on the same threshold."""
    return timedelta(minutes=int(settings.ALERTS_PEER_SILENCE_MINUTES))


def peer_state(peer: Peer, now: datetime) -> tuple[str, datetime | None]:
    """(state, since) of one peer: `inactive`; `failing` since the first failed delivery
    of the episode; `silent` since it was last heard from (or enrolled); else `ok`, since
    it was last heard from."""
    heard = peer.last_heard_at or peer.enrolled_at
    if not peer.active:
        return PeerState.INACTIVE, None
    if peer.failing_since is not None:
        return PeerState.FAILING, peer.failing_since
    if heard is not None and heard < now - silence_after():
        return PeerState.SILENT, heard
    return PeerState.OK, peer.last_heard_at


def _outbox_by_peer(status: str) -> dict[int, tuple[int, datetime | None]]:
    """Per destination id: entries in `status`, and the signing time of the oldest one's
    message. Reads only those entries (the (status, destination, ...) index), never the
    delivered history."""
    rows = (
        OutboxEntry.objects.filter(status=status)
        .order_by()
        .values_list("destination_id")
        .annotate(n=Count("pk"), oldest=Min("message__created_at"))
    )
    return {peer_id: (n, oldest) for peer_id, n, oldest in rows}


def peers_health() -> list[dict[str, Any]]:
    """Per peer (what `peer list --json` prints and /metrics exports): its state and since
    when, queued, age of the oldest queued, failed, superseded, last receipt, last heard,
    back-off and the last probe of a failing peer (`probe_ok` None: not probed in this
    episode)."""
    now = timezone.now()
    queued, failed = _outbox_by_peer(OutboxStatus.QUEUED), _outbox_by_peer(OutboxStatus.FAILED)
    superseded = _outbox_by_peer(OutboxStatus.SUPERSEDED)
    result = []
    for peer in Peer.objects.prefetch_related("keys"):
        state, since = peer_state(peer, now)
        n_queued, oldest = queued.get(peer.pk, (0, None))
        result.append(
            {
                "country": peer.country,
                "url": peer.url,
                "active": peer.active,
                "state": state,
                "state_since": _iso(since),
                "queued": n_queued,
                "failed": failed.get(peer.pk, (0, None))[0],
                # Audit checkpoints replaced by a newer one before delivery (never dropped
                # silently: the newer one carries the proof from the last co-signed head).
                "superseded": superseded.get(peer.pk, (0, None))[0],
                "oldest_queued_age_seconds": max(0, int((now - oldest).total_seconds()))
                if oldest
                else None,
                "failing_since": _iso(peer.failing_since),
                "last_error": peer.last_error,
                "last_receipt_at": _iso(peer.last_receipt_at),
                "last_heard_at": _iso(peer.last_heard_at),
                "backoff_level": peer.backoff_level,
                "probed_at": _iso(peer.probed_at),
                "probe_ok": None if peer.probed_at is None else not peer.probe_error,
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


# --- Figures for /metrics (node-wide, for operators; the endpoint itself is protected) ---

# Received messages the receipt-latency histogram and the acceptance counts may read per
# scrape, newest first: the window is by time, this bounds it by rows as well, through the
# primary key, so that the inbox's insert pays for no extra index.
INBOUND_SCAN_LIMIT = 10_000


def delivery_latency(bounds: Sequence[float], since: datetime) -> dict[str, latency.Buckets]:
    """Per destination country: entries delivered since `since`, by seconds from the
    message's signing to its verified receipt (the `delivered_at` index bounds the rows)."""
    delivered = OutboxEntry.objects.filter(status=OutboxStatus.DELIVERED, delivered_at__gte=since)
    return latency.buckets(
        delivered, "delivered_at", "message__created_at", bounds, by="destination__country"
    )


def _received_since(since: datetime) -> models.QuerySet[InboundMessage]:
    newest = InboundMessage.objects.order_by("-pk").values_list("pk", flat=True)
    floor = list(newest[INBOUND_SCAN_LIMIT - 1 : INBOUND_SCAN_LIMIT])
    rows = InboundMessage.objects.filter(received_at__gte=since)
    return rows.filter(pk__gte=floor[0]) if floor else rows


def receipt_latency(bounds: Sequence[float], since: datetime) -> dict[str, latency.Buckets]:
    """Per origin country: messages stored since `since` (at most INBOUND_SCAN_LIMIT, the
    newest), by seconds from the origin's signing (`created_at`, its clock) to our storing
    (`received_at`, ours): clock skew shows in it, the contract tolerates 300 s ahead."""
    return latency.buckets(_received_since(since), "received_at", "created_at", bounds, by="origin")


def inbound_accepted(since: datetime) -> dict[tuple[str, str], int]:
    """Messages the inbox accepted (stored) since `since`, per (origin, type); types are
    the contract's (an unsupported one is refused before it is stored)."""
    rows = _received_since(since).order_by().values_list("origin", "type").annotate(n=Count("pk"))
    return {(origin, type_): n for origin, type_, n in rows}


def inbound_unfinished() -> dict[str, int]:
    """Stored messages not (yet) processed, per state: pending, waiting, failed (the
    partial index `inbound_unfinished` holds exactly these rows)."""
    unfinished = (InboundState.PENDING, InboundState.WAITING, InboundState.FAILED)
    rows = (
        InboundMessage.objects.filter(state__in=unfinished)
        .order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
    )
    found = dict(rows)
    return {str(state): found.get(state, 0) for state in unfinished}


def rejection_counter(code: str) -> str:
    """The shared counter the inbox adds a refusal to; codes outside the contract's list
    share "other", so a handler's own code cannot grow /metrics' label values."""
    return f"inbox_rejected:{code if code in schemas.REJECTION_CODES else 'other'}"


def inbox_rejections() -> dict[str, float]:
    """Refusals since the shared counters began, per contract code (and "other")."""
    codes = [*schemas.REJECTION_CODES, "other"]
    names = {code: rejection_counter(code) for code in codes}
    values = counters.read(names.values())
    return {code: values[name] or 0.0 for code, name in names.items()}


# --- The peers page (coordinators) ------------------------------------------------------


def fingerprint_groups(public_key: str) -> str:
    """A key's fingerprint as read out by telephone: sixteen groups of four hex digits."""
    from node import crypto

    text = crypto.fingerprint(public_key)
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def _when(value: str | None) -> datetime | None:
    return schemas.parse_time(value) if value else None


def peers_page() -> list[dict[str, Any]]:
    """`peers_health()` with times as datetimes (the page prints them with their zone),
    each key with its grouped fingerprint and its trust in one word (`key_state`:
    trusted | distrusted | untrusted | expired), and whom to telephone there
    (`exchange.contacts`)."""
    now = timezone.now()
    duty = contacts.by_country()
    result = []
    for row in peers_health():
        keys = []
        for key in row["keys"]:
            until = _when(key["valid_until"])
            if key["distrusted_at"]:
                state = "distrusted"
            elif not key["trusted"]:
                state = "untrusted"
            elif until is not None and until < now:
                state = "expired"
            else:
                state = "trusted"
            keys.append(
                {
                    "id": key["id"],
                    "fingerprint": fingerprint_groups(key["public_key"]),
                    "state": state,
                    "valid_from": _when(key["valid_from"]),
                    "valid_until": until,
                    "distrusted_at": _when(key["distrusted_at"]),
                }
            )
        result.append(
            {
                **row,
                "keys": keys,
                "contacts": duty.get(row["country"], []),
                "state_since": _when(row["state_since"]),
                "failing_since": _when(row["failing_since"]),
                "last_receipt_at": _when(row["last_receipt_at"]),
                "last_heard_at": _when(row["last_heard_at"]),
                "probed_at": _when(row["probed_at"]),
                "oldest_queued_at": now - timedelta(seconds=row["oldest_queued_age_seconds"])
                if row["oldest_queued_age_seconds"] is not None
                else None,
            }
        )
    return result


def peer_key(key_id: str) -> PeerKey | None:
    return PeerKey.objects.select_related("peer").filter(key_id=key_id).first()


def active_peer(country: str) -> Peer | None:
    """The enrolled peer of that country we still exchange with, if any."""
    return Peer.objects.filter(country=country.upper(), active=True).first()
