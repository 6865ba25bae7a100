"""A process warms up before it serves: every step runs, and a failing one never stops it."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from node import warmup


@pytest.mark.django_db(transaction=True)
def test_every_step_runs_and_opens_what_the_first_request_needs() -> None:
    took = warmup.warm_up()
    assert set(took) == {name for name, _ in warmup.STEPS}
    pool = getattr(connection, "pool", None)
    if pool is not None:  # PostgreSQL: the process's pool is open with its connections
        assert not pool.closed and pool.get_stats()["pool_size"] >= 1
    else:
        assert connection.connection is None  # handed back; requests take their own
    if settings.BACKGROUND == "celery":
        from net247.celery import app

        with app.producer_or_acquire() as producer:
            assert producer.connection.connected  # the broker connection is open


@pytest.mark.django_db(transaction=True)
def test_a_failing_step_is_logged_and_the_rest_still_run(
    monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    def broken() -> None:
        raise OSError("redis is down")

    steps = [(name, broken if name == "cache" else step) for name, step in warmup.STEPS]
    monkeypatch.setattr(warmup, "STEPS", steps)
    took = warmup.warm_up()
    assert "cache" not in took and {"urls", "database", "signing"} <= set(took)
    assert "warm-up step cache failed" in caplog.text
