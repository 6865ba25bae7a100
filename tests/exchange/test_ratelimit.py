"""The inbox's per-peer counters on real Redis: exact for small limits, batched within a
stated bound for large ones, across processes."""

from __future__ import annotations

import multiprocessing
import uuid

import pytest
import redis
from django.conf import settings

from exchange import ratelimit

pytestmark = pytest.mark.skipif(
    not settings.REDIS_URL, reason="batched counting needs Redis (REDIS_URL)"
)


def shared_count(counter: str, slot: int) -> int:
    value = redis.Redis.from_url(settings.REDIS_URL).get(
        f"{settings.REDIS_KEY_PREFIX}{ratelimit.KEY_PREFIX}{counter}:{slot}"
    )
    return int(value or 0)


def test_a_small_limit_counts_every_hit_at_once():
    counter = f"test:{uuid.uuid4()}"
    assert ratelimit.batch_size(40) == 1
    counts = [ratelimit.hit(counter, 7, 2, 40) for _ in range(45)]
    assert counts == list(range(1, 46))
    assert shared_count(counter, 7) == 45


def test_a_new_window_starts_from_zero():
    counter = f"test:{uuid.uuid4()}"
    assert [ratelimit.hit(counter, 1, 2, 40) for _ in range(3)] == [1, 2, 3]
    assert ratelimit.hit(counter, 2, 2, 40) == 1


def test_a_large_limit_is_counted_in_batches_and_exactly_past_its_half():
    counter = f"test:{uuid.uuid4()}"
    limit = 640
    batch = ratelimit.batch_size(limit)
    assert batch == 10
    counts = [ratelimit.hit(counter, 3, 60, limit) for _ in range(700)]
    # Below half the limit the shared counter moves once per batch...
    assert shared_count(counter, 3) == 700
    assert counts[: limit // 2] == list(range(1, limit // 2 + 1))
    # ...and from then on every hit is added and answered with the shared count.
    assert counts[-1] == 700 and sum(1 for c in counts if c > limit) == 700 - limit


def _flood(counter: str, hits: int, limit: int, out: multiprocessing.Queue[int]) -> None:
    out.put(sum(1 for _ in range(hits) if ratelimit.hit(counter, 5, 60, limit) <= limit))


def test_processes_together_admit_at_most_one_batch_each_over_the_limit():
    counter = f"test:{uuid.uuid4()}"
    limit, processes = 640, 3
    batch = ratelimit.batch_size(limit)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [
        context.Process(target=_flood, args=(counter, 400, limit, queue)) for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    admitted = sum(queue.get(timeout=60) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
    assert limit - processes <= admitted <= limit + processes * (batch - 1)
    # Nothing is counted twice: the shared count never exceeds the hits made.
    assert limit < shared_count(counter, 5) <= processes * 400
