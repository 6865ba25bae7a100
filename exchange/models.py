"""Peers, their pinned keys, received messages and the outbox (one entry per destination).

Rows are the truth for delivery: an OutboxEntry is `queued` until a verified receipt
makes it `delivered`, or a final answer / 30 days make it `failed`. See outbox.py for the
state machine and inbox.py for the receiving checks.
"""

from __future__ import annotations

from typing import Any

from django.db import models


class Peer(models.Model):
    """Another national node we exchange with, and the health of our delivery to it."""

    country = models.CharField(max_length=2, unique=True)
    url = models.URLField(max_length=300)
    enrolled_at = models.DateTimeField()
    active = models.BooleanField(default=True)
    # Delivery health (a per-destination queue, after Synapse): one back-off per peer.
    backoff_level = models.PositiveIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_heard_at = models.DateTimeField(null=True, blank=True)
    last_receipt_at = models.DateTimeField(null=True, blank=True)
    # While failing, GET /keys is probed every EXCHANGE_PROBE_SECONDS (outbox.probe).
    probed_at = models.DateTimeField(null=True, blank=True)
    probe_error = models.CharField(max_length=300, blank=True)
    # `created_at` of the last `node.keys` applied from this peer: an older one is stale.
    keys_applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["country"]

    def __str__(self) -> str:
        return self.country


class PeerKey(models.Model):
    """A public key of a peer, pinned at enrolment or learnt from a trusted `node.keys`."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="keys")
    key_id = models.CharField(max_length=40, unique=True)
    public_key = models.CharField(max_length=64)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    trusted = models.BooleanField(default=True)
    # Set by `peer distrust-key`: refused for good, whatever a later enrolment or
    # `node.keys` says (contract, "Key trust and replies").
    distrusted_at = models.DateTimeField(null=True, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=20, default="enrolment")  # enrolment | node.keys

    class Meta:
        ordering = ["peer", "valid_from", "id"]

    def __str__(self) -> str:
        return self.key_id


class InboundState(models.TextChoices):
    PENDING = "pending"
    PROCESSED = "processed"
    UNHANDLED = "unhandled"  # stored, no handler registered for its type: never dropped
    WAITING = "waiting"  # the handler raised NotYet
    FAILED = "failed"


class InboundMessage(models.Model):
    """A verified envelope received from a peer; unique by (origin, id)."""

    envelope_id = models.CharField(max_length=36)
    origin = models.CharField(max_length=2)
    digest = models.CharField(max_length=43)
    type = models.CharField(max_length=64)
    thread = models.CharField(max_length=36, db_index=True)
    in_reply_to = models.CharField(max_length=36, null=True, blank=True)  # noqa: DJ001 (JSON null)
    handling = models.CharField(max_length=2)
    envelope = models.JSONField()  # as received, signature included
    key_id = models.CharField(max_length=40)
    created_at = models.DateTimeField()
    received_at = models.DateTimeField()
    receipt = models.JSONField()
    state = models.CharField(
        max_length=10, choices=InboundState.choices, default=InboundState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["origin", "envelope_id"], name="inbound_once")
        ]
        # Only unfinished messages are looked up by state (the sweep, `message list`, a
        # thread's waiting ones); nearly every message is processed and stays out of it,
        # so storing one updates this index rarely.
        indexes = [
            models.Index(
                fields=["state", "thread"],
                name="inbound_unfinished",
                condition=models.Q(state__in=["pending", "waiting", "failed"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.origin}/{self.envelope_id} {self.type}"

    @property
    def body(self) -> Any:
        """The envelope's body, which handlers read (stored once, in the envelope)."""
        return self.envelope["body"]


class OutboundMessage(models.Model):
    """A signed envelope this node sent; its deliveries are the OutboxEntry rows."""

    envelope_id = models.CharField(max_length=36, unique=True)
    envelope = models.JSONField()
    digest = models.CharField(max_length=43)
    type = models.CharField(max_length=64, db_index=True)
    thread = models.CharField(max_length=36, db_index=True)
    in_reply_to = models.CharField(max_length=36, null=True, blank=True)  # noqa: DJ001 (JSON null)
    urgency = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.envelope_id} {self.type}"


class OutboxStatus(models.TextChoices):
    QUEUED = "queued"
    DELIVERED = "delivered"
    FAILED = "failed"
    # A newer `audit.checkpoint` to the same peer replaced it before it was delivered: the
    # peer catches up with one checkpoint and one proof (exchange/checkpoints.py).
    SUPERSEDED = "superseded"


class OutboxEntry(models.Model):
    """Delivery of one message to one peer; retried until a verified receipt or a final no."""

    message = models.ForeignKey(OutboundMessage, on_delete=models.CASCADE, related_name="entries")
    destination = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="outbox")
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # A claim, so that two workers never post the same entry at once (no lock is held
    # across network I/O). Expires so that a killed worker's claim does not last.
    leased_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    receipt = models.JSONField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    # The peer's refusal code of a failed entry (contract error codes, e.g. clock_skew).
    failure_code = models.CharField(max_length=40, blank=True)
    # When the apps above were told (delivery_failed / delivery_overdue). Set after the
    # signal went out, so a process that dies between the commit and the signal leaves
    # it unset and the sweep tells them then (outbox.signal_unannounced).
    failure_signalled_at = models.DateTimeField(null=True, blank=True)
    overdue_signalled_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "destination"], name="outbox_once")
        ]
        indexes = [
            models.Index(fields=["status", "destination", "next_attempt_at"]),
            # /metrics' delivery latency reads the last hour's deliveries only.
            models.Index(
                fields=["delivered_at"],
                name="outbox_delivered",
                condition=models.Q(delivered_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id}->{self.destination_id} {self.status}"


class WitnessedHead(models.Model):
    """A head of a peer's audit log that this node co-signed (its receipt for an
    `audit.checkpoint`): the next checkpoint of that origin must prove it extends the
    latest one (exchange/witness.py). One row per size and origin."""

    origin = models.CharField(max_length=2)
    size = models.BigIntegerField()
    root_hash = models.CharField(max_length=64)
    checkpoint_at = models.DateTimeField()  # the checkpoint's `at`
    witnessed_at = models.DateTimeField()
    envelope_id = models.CharField(max_length=36)

    class Meta:
        ordering = ["origin", "size"]
        constraints = [
            models.UniqueConstraint(fields=["origin", "size"], name="witnessed_once_per_size")
        ]

    def __str__(self) -> str:
        return f"{self.origin} #{self.size} {self.root_hash[:12]}"
