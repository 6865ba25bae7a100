"""Database behaviour shared by the apps' services.

PostgreSQL breaks a deadlock by aborting one of the transactions in it (SQLSTATE 40P01):
the victim's work is rolled back whole, and the database's own advice is to run it again.
Every audited action ends in the audit chain's one head row, so two actions that also
lock the same peer or key rows in another order can meet there (the CI run that enrolled
a peer while its node was delivering to it). A short action that only writes rows is
safe to run again; one that talks to the network is not, and does not use this.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import OperationalError, connection

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

RETRYABLE_SQLSTATES = {"40P01", "40001"}  # deadlock detected, serialization failure
ATTEMPTS = 3


def is_retryable(exc: BaseException) -> bool:
    """Was `exc` PostgreSQL aborting this transaction to resolve a conflict?"""
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES


def retry_on_conflict(action: Callable[P, R]) -> Callable[P, R]:
    """Run `action` (a whole transaction of its own) again when PostgreSQL aborted it as a
    deadlock victim, up to ATTEMPTS times. Inside a caller's transaction it does not retry:
    that transaction is aborted, and only its owner can run it again."""

    @functools.wraps(action)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return action(*args, **kwargs)
            except OperationalError as exc:
                if attempt == ATTEMPTS or connection.in_atomic_block or not is_retryable(exc):
                    raise
                logger.warning("%s: %s; running it again", action.__qualname__, exc)
                time.sleep(random.uniform(0.01, 0.1) * attempt)  # noqa: S311 (jitter)
        raise AssertionError("unreachable")

    return run
