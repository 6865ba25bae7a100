"""The inbox when the node cannot store: 503 `unavailable` in the contract's error shape,
with Retry-After and a log line naming the failure (issue 18, fault matrix). Over real
processes: tests/test_faults_infra.py (disk full)."""

from __future__ import annotations

import logging

import pytest
import redis
from django.db import OperationalError

from exchange import inbox


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (OperationalError("database or disk is full"), "its disk is full"),
        (OperationalError("could not extend file: No space left on device"), "its disk is full"),
        (OperationalError("connection refused"), "its database is unavailable"),
        (redis.ConnectionError("Error 111 connecting"), "its Redis is unavailable"),
    ],
)
def test_a_node_that_cannot_store_answers_503_in_json(client, monkeypatch, caplog, error, reason):
    def fail(raw: bytes) -> None:
        raise error

    monkeypatch.setattr(inbox, "_check", fail)
    with caplog.at_level(logging.ERROR, logger="exchange.inbox"):
        response = client.post("/federation/v1/inbox", b"{}", content_type="application/json")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == str(inbox.UNAVAILABLE_RETRY_AFTER)
    body = response.json()
    assert body["error"]["code"] == "unavailable"
    assert reason in body["error"]["message"]
    assert reason in caplog.text and type(error).__name__ in caplog.text
