"""Exchange background tasks (delivery lands with the federation-exchange issue)."""

from celery import shared_task


@shared_task(name="exchange.tasks.sweep_outbox", acks_late=True)
def sweep_outbox() -> None:
    """Deliver every outbox entry that is due."""
