"""Figures for /metrics that leave no database row, shared by every process of a node
(gunicorn workers, the ASGI server, Celery workers): kept in the cache, which is Redis in
production and this process's memory in the embedded node (one process).

- counters (`add`): events such as an inbox rejection. Monotonic while the cache lives; a
  Redis restart brings them back to 0, which Prometheus reads as a counter reset.
- last values (`timed`): how long the last run of a periodic sweep took and when it ended,
  so that a sweep that stopped running (its timestamp stops moving) can be alerted on.

Counting never fails the caller: a figure is not worth a lost request or sweep. Keys are
under the cache's KEY_PREFIX (REDIS_KEY_PREFIX), so nodes sharing a Redis database never
count into each other's figures.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.core.cache import cache

logger = logging.getLogger(__name__)
PREFIX = "net247:counter:"


def add(name: str, amount: int = 1) -> None:
    """Count `amount` events of `name`: one INCR when the counter exists (the usual case),
    else created with ADD (set if absent), which two first counters cannot both win."""
    key = PREFIX + name
    try:
        try:
            cache.incr(key, amount)
        except ValueError:  # not there yet
            if not cache.add(key, amount, timeout=None):
                cache.incr(key, amount)
    except Exception:
        logger.warning("counter %s not counted", name, exc_info=True)


def _put(values: dict[str, float]) -> None:
    try:
        cache.set_many({PREFIX + name: value for name, value in values.items()}, timeout=None)
    except Exception:
        logger.warning("figures %s not kept", sorted(values), exc_info=True)


@contextmanager
def timed(name: str) -> Iterator[None]:
    """Time a run of `name`: on success keep `<name>:seconds` (its duration) and
    `<name>:finished` (Unix time it ended). A run that raises keeps nothing, so a sweep that
    keeps failing looks stale, as one that stopped does."""
    started = time.monotonic()
    yield
    _put({f"{name}:seconds": time.monotonic() - started, f"{name}:finished": time.time()})


def read(names: Iterable[str]) -> dict[str, float | None]:
    """Current values by name; None for one never counted or kept (or lost with Redis)."""
    keys = {name: PREFIX + name for name in names}
    found = cache.get_many(list(keys.values()))
    return {
        name: float(found[key]) if found.get(key) is not None else None
        for name, key in keys.items()
    }
