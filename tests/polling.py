"""Waiting on real node processes: poll a condition until it holds."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_for(what: Callable[[], Any], timeout: float = 90.0, step: float = 0.2) -> Any:
    """Poll until `what` returns something true and return it. The bound is for a loaded
    shared machine, not a speed check: benchmarks measure speed."""
    deadline = time.monotonic() + timeout
    while True:
        value = what()
        if value:
            return value
        if time.monotonic() > deadline:
            last = getattr(what, "last", "")
            raise AssertionError(f"not true within {timeout} s (last: {value!r} {last})")
        time.sleep(step)
