"""Per-peer fixed-window counters for the inbox, in one Redis round trip per envelope.

Django's cache API takes two (RedisCache.incr asks whether the key exists first), and
every envelope counts: under load those waits were about a fifth of an inbox request.
Without Redis (the embedded node is one process) the local cache counts.
"""

from __future__ import annotations

from functools import cache as once_per_url

import redis
from django.conf import settings
from django.core.cache import cache

KEY_PREFIX = "net247:exchange:rate:"


@once_per_url
def _client(url: str) -> redis.Redis:
    # One connection pool per process; redis-py reopens its connections after a fork.
    return redis.Redis.from_url(url)


def hit(name: str, window: int) -> int:
    """Count one request in the current window of counter `name`; returns its count.

    The counter expires one second after its window, so a window's key never outlives it.
    """
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return _hit_local(name, window)
    pipe = _client(url).pipeline(transaction=False)
    pipe.set(KEY_PREFIX + name, 0, ex=window + 1, nx=True)
    pipe.incr(KEY_PREFIX + name)
    return int(pipe.execute()[1])


def _hit_local(name: str, window: int) -> int:
    try:
        return cache.incr(KEY_PREFIX + name)
    except ValueError:
        if cache.add(KEY_PREFIX + name, 1, timeout=window + 1):
            return 1
        return cache.incr(KEY_PREFIX + name)
