"""Alert background tasks (escalation lands with the alerts issue)."""

from celery import shared_task


@shared_task(name="alerts.tasks.sweep_escalations", acks_late=True)
def sweep_escalations() -> None:
    """Run every escalation step that is due."""
