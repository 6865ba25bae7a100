"""Events the exchange emits for apps above it (alerts pages on them).

Every event leaves after the sender's transaction commits, through `send_robust`
(`Event.send_on_commit`): a receiver sees only committed state, and a receiver that
raises never rolls back the exchange's own state change (an outbox entry failed, a
message stored). Its failure is logged and audited (`exchange.receiver_failed`, in a
transaction of its own), and the other receivers still run. Not sent if the
transaction rolls back. Lost if the process dies between the commit and the send, unless
the sender keeps a mark of it: the outbox does for delivery_failed and delivery_overdue
(outbox.signal_unannounced, outbox.signal_overdue), so that no failure goes untold.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import transaction
from django.dispatch import Signal

from audit.services import record

logger = logging.getLogger(__name__)


class Event(Signal):
    """A signal with a name (for the log and the audit entry) sent after commit."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def send_on_commit(self, sender: Any, **named: Any) -> None:
        """Send once the current transaction commits (now, outside one)."""
        transaction.on_commit(partial(self._send_robust, sender, named))

    def send_now(self, sender: Any, **named: Any) -> None:
        """Send at once, robustly (the caller has committed what the event reports)."""
        self._send_robust(sender, named)

    def _send_robust(self, sender: Any, named: dict[str, Any]) -> None:
        for receiver, result in self.send_robust(sender=sender, **named):
            if isinstance(result, Exception):
                _receiver_failed(self.name, receiver, result, named)


def _receiver_failed(name: str, receiver: Any, error: Exception, named: dict[str, Any]) -> None:
    where = f"{getattr(receiver, '__module__', '')}.{getattr(receiver, '__qualname__', receiver)}"
    logger.error("receiver %s of exchange.%s failed", where, name, exc_info=error)
    message = named.get("message")
    envelope_id = str(named.get("envelope_id") or getattr(message, "envelope_id", "") or "")
    country = named.get("destination") or named.get("country") or getattr(message, "origin", "")
    try:
        with transaction.atomic():
            record(
                action="exchange.receiver_failed",
                actor=None,
                object_type="envelope" if envelope_id else "",
                object_id=envelope_id,
                outcome="failure",
                details={
                    "signal": name,
                    "country": str(country or ""),
                    "receiver": where[:200],
                    "error": f"{error.__class__.__name__}: {error}"[:200],
                },
            )
    except Exception:
        logger.exception("auditing the failure of receiver %s of exchange.%s", where, name)


# destination: str, envelope_id: str, reason: str, code: str. Sent after the transaction
# that records the failure commits. `code` is the contract's error code of the peer's
# refusal ("" when the peer gave none, or the message expired undelivered): `clock_skew`
# means the clocks of the two nodes differ by more than the contract allows, which no
# retry mends.
delivery_failed = Event("delivery_failed")
# destination: str, envelope_id: str, urgency: str. An urgent/immediate message still
# undelivered after 15 minutes; sent after the mark that it was signalled commits.
delivery_overdue = Event("delivery_overdue")
# country: str. A valid message or receipt from that peer arrived.
peer_heard = Event("peer_heard")
# message: InboundMessage. Sent after a received message was processed by its handler.
message_received = Event("message_received")
# message: InboundMessage. Its handler failed (state `failed`). Nothing of it took
# effect, so the coordinators must look (`manage.py message failed`).
message_failed = Event("message_failed")
# origin: str, envelope_id: str, type: str, reason: str, details: dict. A handler refused
# what a verified message says, with details worth telling (handlers.Refused): sent after
# the rollback and the audit entry `exchange.refused`; e.g. a witness refusing an
# `audit.checkpoint` that does not extend the head it co-signed.
message_refused = Event("message_refused")
