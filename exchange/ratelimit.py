"""Per-peer fixed-window counters for the inbox, in one Redis command per envelope.

Django's cache API takes two round trips (RedisCache.incr asks whether the key exists
first), and every envelope counts: under load those waits were about a fifth of an inbox
request. A small Lua script (INCR, and EXPIRE on the window's first hit) is one EVALSHA.
Without Redis (the embedded node is one process) the local cache counts.
"""

from __future__ import annotations

from functools import cache as once_per_url
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache

KEY_PREFIX = "net247:exchange:rate:"


_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


@once_per_url
def _script(url: str) -> Any:
    # One connection pool per process; redis-py reopens its connections after a fork.
    return redis.Redis.from_url(url).register_script(_HIT)


def hit(name: str, window: int) -> int:
    """Count one request in the current window of counter `name`; returns its count.

    The counter expires one second after its window, so a window's key never outlives it.
    """
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return _hit_local(name, window)
    return int(_script(url)(keys=[KEY_PREFIX + name], args=[window + 1]))


def _hit_local(name: str, window: int) -> int:
    try:
        return cache.incr(KEY_PREFIX + name)
    except ValueError:
        if cache.add(KEY_PREFIX + name, 1, timeout=window + 1):
            return 1
        return cache.incr(KEY_PREFIX + name)
