"""Per-peer fixed-window counters for the inbox.

With Redis, every process counts locally and adds its hits to the shared counter in
batches (one INCRBY per batch; a small Lua script sets the expiry on the window's first
hit). A Redis round trip per envelope was the largest single cost of an inbox request
after the database, and a flood protection does not need every hit counted at once:

- the batch is limit // 64 hits (at least 1, at most 16), so small limits stay exact;
- from half the limit on (as this process last saw the shared count) every hit is
  added at once and decided on the shared count;
- so a window admits at most (batch - 1) hits per process above the limit, in the
  worst case; hits left in a process's batch when its window ends count for nobody.

Without Redis (the embedded node is one process) the local cache counts every hit.
"""

from __future__ import annotations

import threading
from functools import cache as once_per_url
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache

KEY_PREFIX = "net247:exchange:rate:"
MAX_BATCH = 16

_ADD = """
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
if count == tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return count
"""

_lock = threading.Lock()  # ASGI runs sync views in threads
# counter -> (its current window, the shared count last seen, local hits not yet added)
_counts: dict[str, tuple[int, int, int]] = {}


@once_per_url
def _script(url: str) -> Any:
    # One connection pool per process; redis-py reopens its connections after a fork.
    return redis.Redis.from_url(url).register_script(_ADD)


def batch_size(limit: int) -> int:
    return max(1, min(MAX_BATCH, limit // 64))


def hit(counter: str, slot: int, window: int, limit: int) -> int:
    """Count one request of `counter` in window number `slot` (`window` seconds long) and
    return the count to compare with `limit` (see the module docstring for how exact).

    The shared counter expires one second after its window, so a window's key never
    outlives it.
    """
    name = f"{counter}:{slot}"
    url = settings.REDIS_URL
    if not url:
        return _hit_local(name, window)
    batch = batch_size(limit)
    with _lock:
        current, seen, unsent = _counts.get(counter, (slot, 0, 0))
        if current != slot:  # a new window: what the last one kept back counts for nobody
            seen, unsent = 0, 0
        unsent += 1
        if unsent < batch and seen + unsent <= limit // 2:
            _counts[counter] = (slot, seen, unsent)
            return seen + unsent
        _counts[counter] = (slot, seen, 0)
    # Outside the lock; a concurrent hit in this process starts the next batch meanwhile.
    key = settings.REDIS_KEY_PREFIX + KEY_PREFIX + name
    count = int(_script(url)(keys=[key], args=[unsent, window + 1]))
    with _lock:
        current, seen, pending = _counts.get(counter, (slot, 0, 0))
        if current == slot:
            _counts[counter] = (slot, max(seen, count), pending)
    return count


def _hit_local(name: str, window: int) -> int:
    try:
        return cache.incr(KEY_PREFIX + name)
    except ValueError:
        if cache.add(KEY_PREFIX + name, 1, timeout=window + 1):
            return 1
        return cache.incr(KEY_PREFIX + name)
