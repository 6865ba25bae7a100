"""Exchange background tasks: thin, ids in, idempotent; the rows are the truth."""

from __future__ import annotations

from celery import shared_task

from exchange import checkpoints, inbox, outbox
from node import counters


@shared_task(name="exchange.tasks.sweep_outbox", acks_late=True)
def sweep_outbox() -> None:
    """Deliver every outbox entry that is due; signal overdue and expired ones."""
    with counters.timed("sweep:outbox"):
        outbox.sweep()
        inbox.sweep_inbound()


@shared_task(name="exchange.tasks.deliver", acks_late=True)
def deliver(entry_id: int) -> int:
    """Deliver a just-committed outbox entry, with whatever else its peer has due."""
    return outbox.deliver_for_entry(entry_id)


@shared_task(name="exchange.tasks.probe_peer", acks_late=True)
def probe_peer(country: str) -> bool:
    """Is a failing peer back? (GET /keys, verified)."""
    return outbox.probe(country)


@shared_task(name="exchange.tasks.deliver_peer", acks_late=True)
def deliver_peer(country: str) -> int:
    """Work through one peer's due entries."""
    return outbox.deliver_peer(country)


@shared_task(name="exchange.tasks.send_checkpoints", acks_late=True)
def send_checkpoints() -> dict[str, str]:
    """Sign the audit log's head and send it to each peer to witness (a no-op per peer
    when nothing changed since the last one it co-signed)."""
    return checkpoints.send()
