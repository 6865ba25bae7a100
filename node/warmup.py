"""Pay a process's one-time costs before it serves, not on the first alert after a start.

The first request a process serves otherwise pays for the URLconf's imports, the first
database, Redis and broker connections and the first signature, several times its usual
cost, and the alerts queued behind it wait as long: a node that just restarted would page
late exactly when it matters. Each web
process and worker calls `warm_up()` once when it starts (`node run`, gunicorn's
post_worker_init, Celery's worker start); a failure is logged and never stops the start.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings

logger = logging.getLogger(__name__)


def _urls() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every app's URLs and views)


def _database() -> None:
    from django.db import connection

    pool = getattr(connection, "pool", None)
    if pool is not None:
        # PostgreSQL: the process's pool with its first connections; a server that is down
        # costs at most these seconds here (gunicorn kills a worker silent for 30 s).
        pool.open(wait=True, timeout=5)
        return
    connection.ensure_connection()
    connection.close()


def _cache() -> None:
    from django.core.cache import cache

    cache.get("node:warm-up")


def _broker() -> None:
    if settings.BACKGROUND != "celery":
        return
    from net247.celery import app

    with app.producer_or_acquire() as producer:  # the pool send_task takes producers from
        producer.connection.ensure_connection(max_retries=1)


def _signing() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    key.public_key().verify(key.sign(b"warm-up"), b"warm-up")


STEPS: list[tuple[str, Callable[[], None]]] = [
    ("urls", _urls),
    ("database", _database),
    ("cache", _cache),
    ("broker", _broker),
    ("signing", _signing),
]


def warm_up() -> dict[str, float]:
    """Run every step; returns milliseconds per step that succeeded."""
    took: dict[str, float] = {}
    for name, step in STEPS:
        started = time.perf_counter()
        try:
            step()
        except Exception:
            logger.warning("warm-up step %s failed; the first request pays for it", name,
                           exc_info=True)  # fmt: skip
            continue
        took[name] = round((time.perf_counter() - started) * 1000, 1)
    logger.info("warmed up: %s", took)
    return took
