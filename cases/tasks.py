"""Cases background tasks: thin, idempotent, safe to retry."""

from __future__ import annotations

from celery import shared_task

from cases import private_match


@shared_task(name="cases.tasks.refresh_match_setup", acks_late=True)
def refresh_match_setup() -> int:
    """Rebuild the private match's cached setup if our indicators changed (issue 22)."""
    built = private_match.refresh_setup()
    return built.pk if built is not None else 0


@shared_task(name="cases.tasks.auto_match", acks_late=True)
def auto_match(case_id: int) -> int:
    """Opt-in automatic check of a new case (PRIVATE_MATCH_AUTO): the peers not yet asked."""
    return len(private_match.auto_check(case_id))
