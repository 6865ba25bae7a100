"""Cases background tasks: thin, idempotent, safe to retry."""

from __future__ import annotations

from celery import shared_task

from cases import private_match


@shared_task(name="cases.tasks.refresh_match_setup", acks_late=True)
def refresh_match_setup() -> int:
    """Rebuild the private match's cached setup if our indicators changed (issue 22)."""
    return private_match.refresh_setup().pk
