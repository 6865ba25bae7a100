"""A skewed clock for a test node: Python imports this module at start-up in a process
whose PYTHONPATH starts with this folder (tests/exchange/test_network_faults.py starts a
node that way). With NET247_TEST_CLOCK_OFFSET_SECONDS set, every clock the node's code
reads runs that far ahead, as on a badly synchronised host: Django's `timezone.now` (all
of the apps' time) and `time.time` (Celery, kombu). The monotonic clock, which times
waits and timeouts, stays true.

Only the test harness puts this folder on a path; the node's code has no way to change
its notion of time. (libfaketime was tried first: under it Python's time.sleep fails with
EINVAL or Event.wait hangs, so Celery's beat dies.)
"""

import os
import time
from datetime import datetime, timedelta

OFFSET = float(os.environ.get("NET247_TEST_CLOCK_OFFSET_SECONDS") or 0)

if OFFSET:
    from django.utils import timezone

    _real_time = time.time
    _real_time_ns = time.time_ns
    _real_now = timezone.now

    def _time() -> float:
        return _real_time() + OFFSET

    def _time_ns() -> int:
        return _real_time_ns() + int(OFFSET * 1e9)

    def _now() -> datetime:
        return _real_now() + timedelta(seconds=OFFSET)

    time.time = _time
    time.time_ns = _time_ns
    timezone.now = _now
