"""Event counters for /metrics that every process of a node adds to (web, WebSocket and
Celery workers): kept in the cache, which is Redis in production and this process's memory
in the embedded node (one process). A counter lost with Redis restarts at 0, which
Prometheus reads as a reset."""

from __future__ import annotations

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)
PREFIX = "net247:counter:"
TIMEOUT = None  # kept until Redis restarts


def add(name: str, amount: float = 1) -> None:
    """Count an event; never fails the caller (a metric is not worth a lost request)."""
    key = PREFIX + name
    try:
        cache.add(key, 0, timeout=TIMEOUT)  # no-op when it exists
        cache.incr(key, int(amount))
    except Exception:
        logger.warning("counter %s not counted", name, exc_info=True)


def put(name: str, value: float) -> None:
    """Remember a last value (a gauge, e.g. how long the last sweep took)."""
    try:
        cache.set(PREFIX + name, value, timeout=TIMEOUT)
    except Exception:
        logger.warning("gauge %s not kept", name, exc_info=True)


def read(names: list[str]) -> dict[str, float]:
    values = cache.get_many([PREFIX + n for n in names])
    return {n: float(values.get(PREFIX + n) or 0) for n in names}
