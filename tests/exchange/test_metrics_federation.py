"""/metrics of real node processes (issue 18, point 5), read by prometheus_client's text
parser and, when installed, by Prometheus's own (`promtool check metrics`).

Under REDIS_URL each node runs `node run --with-worker`: the sweeps run in the Celery
worker's process and the endpoint in the web process, so their figures crossing over
proves the shared counters work across processes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from deploy.federation import Node
from tests.fednet import federation  # noqa: F401 (fixture)

TOKEN = "metrics-token-for-the-test-0123456789"
REMOTE = {"X-Real-IP": "203.0.113.7"}  # believed: the test sets TRUSTED_PROXIES to loopback

pytestmark = pytest.mark.federation


def scrape(node: Node, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.get(f"{node.url}/metrics", headers=headers or {}, timeout=30)


def figures(node: Node) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    answer = scrape(node)
    assert answer.status_code == 200, answer.text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
    }


def wait_for(node: Node, check: Any, what: str, seconds: float = 90) -> dict[Any, float]:
    deadline = time.monotonic() + seconds
    while True:
        found = figures(node)
        if check(found):
            return found
        assert time.monotonic() < deadline, f"{what}: {sorted(found.items())}\n{node.log_tail()}"
        time.sleep(0.5)


def get(found: dict[Any, float], name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


def test_metrics_of_a_real_federation(federation: Any) -> None:  # noqa: F811
    fed = federation("MD", "KZ", env={"METRICS_TOKEN": TOKEN, "TRUSTED_PROXIES": "127.0.0.1,::1"})
    md, kz = fed.node("MD"), fed.node("KZ")
    # Each node announces its keys when it starts, and sends audit checkpoints on a
    # schedule (at start in the embedded default, after 10 minutes under Celery beat):
    # one is sent now, so that none is delivered while the test counts.
    gcount = "net247_delivery_latency_seconds_gcount"
    md.manage("checkpoint", "send")
    before = wait_for(
        md,
        lambda f: (
            get(f, "net247_peer_queued", peer="KZ") == 0 and (get(f, gcount, peer="KZ") or 0) >= 2
        ),
        "MD's start announcement and a checkpoint delivered to KZ",
    )
    announced = get(before, gcount, peer="KZ") or 0
    body = json.dumps({"case_ref": "MD-1", "changes": {}})
    md.manage("message", "send", "--type", "case.update", "--to", "KZ", "--body", body,
              "--count", "3")  # fmt: skip
    for bad in (b"{not json", b"[]"):
        refused = httpx.post(f"{kz.url}/federation/v1/inbox", content=bad, timeout=30)
        assert refused.status_code == 400

    sent = wait_for(
        md, lambda f: get(f, gcount, peer="KZ") == announced + 3, "MD's three deliveries to KZ"
    )
    assert get(sent, "net247_node_info", country="MD") == 1
    assert get(sent, "net247_peer_queued", peer="KZ") == 0
    assert get(sent, "net247_peer_state", peer="KZ", state="ok") == 1
    assert get(sent, "net247_peer_last_receipt_timestamp_seconds", peer="KZ")
    bucket = "net247_delivery_latency_seconds_bucket"
    assert get(sent, bucket, peer="KZ", le="+Inf") == announced + 3
    assert get(sent, bucket, peer="KZ", le="86400.0") == announced + 3

    received = wait_for(
        kz,
        lambda f: (
            get(f, "net247_sweep_last_run_timestamp_seconds", sweep="outbox")
            and get(f, "net247_sweep_last_run_timestamp_seconds", sweep="escalations")
        ),
        "both sweeps' last runs (kept by the process that runs them)",
        seconds=60,
    )
    assert (get(received, "net247_receipt_latency_seconds_gcount", peer="MD") or 0) >= 3
    assert get(received, "net247_inbox_accepted_last_hour", peer="MD", type="case.update") == 3
    assert get(received, "net247_inbox_rejected_total", code="malformed") == 2
    assert get(received, "net247_inbox_rejected_total", code="bad_signature") == 0
    assert get(received, "net247_peer_last_heard_timestamp_seconds", peer="MD")
    finished = get(received, "net247_sweep_last_run_timestamp_seconds", sweep="outbox") or 0
    assert abs(finished - time.time()) < 60
    assert (get(received, "net247_sweep_duration_seconds", sweep="outbox") or -1) >= 0

    promtool = shutil.which("promtool")
    if promtool:
        checked = subprocess.run(
            [promtool, "check", "metrics"], input=scrape(kz).text, capture_output=True,
            text=True, timeout=30,
        )  # fmt: skip
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_remote_scraper_needs_the_token(federation: Any) -> None:  # noqa: F811
    fed = federation("KZ", env={"METRICS_TOKEN": TOKEN, "TRUSTED_PROXIES": "127.0.0.1,::1"})
    kz = fed.node("KZ")
    assert scrape(kz).status_code == 200
    refused = scrape(kz, REMOTE)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    wrong = scrape(kz, {**REMOTE, "Authorization": f"Bearer {TOKEN[:-1]}"})
    assert wrong.status_code == 403
    right = scrape(kz, {**REMOTE, "Authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 200
    assert "net247_peer_state" in right.text or "net247_node_info" in right.text
