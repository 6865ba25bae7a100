"""The network half of the fault matrix (issue 18, point 4): real node processes, with the
fault proxy of tests/faultproxy.py between MD and KZ. Each cell is written up in
docs/operations.md, "Faults and what the node does" → "Network".

What every cell checks in the nodes' databases: each message delivered, stored once at
the receiver and taken into effect once (one inbound item per notification), with a
receipt at the sender that is the receiver's first receipt.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from deploy.federation import Federation, Node
from tests.faultproxy import FaultProxy, route_through
from tests.fednet import federation  # noqa: F401 (fixture)

pytestmark = pytest.mark.federation
NOTIFICATION = {
    "case_ref": "MD-2026-{n}",
    "title": "Вербовка {n}",
    "summary": "Объявления в Telegram",
    "offence": {"country": "MD", "code": "CC", "article": "220/1"},
    "facts": ["online"],
    "urgency": "routine",
}


def wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.3)


def send(node: Node, to: str, count: int) -> list[str]:
    body = json.dumps(NOTIFICATION)
    out = node.manage("message", "send", "--type", "case.notification", "--to", to,
                      "--body", body, "--count", str(count))  # fmt: skip
    return out.split()


def outbox(node: Node, destination: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The sender's rows for `ids` to `destination`: status, attempts, when, receipt."""
    rows = node.sql(
        "SELECT m.envelope_id, e.status, e.attempts, e.delivered_at, e.receipt "
        "FROM exchange_outboxentry e JOIN exchange_outboundmessage m ON m.id = e.message_id "
        "JOIN exchange_peer p ON p.id = e.destination_id WHERE p.country = ?",
        (destination,),
    )
    found = {}
    for envelope_id, status, attempts, delivered_at, receipt in rows:
        if envelope_id in ids:
            if isinstance(receipt, str):
                receipt = json.loads(receipt)
            delivered_at = as_time(delivered_at) if delivered_at else None
            found[envelope_id] = {"status": status, "attempts": attempts,
                                  "delivered_at": delivered_at, "receipt": receipt}  # fmt: skip
    return found


def queued(node: Node, destination: str) -> list[str]:
    """Envelope ids still queued from `node` to `destination`, whatever their type."""
    rows = node.sql(
        "SELECT m.envelope_id FROM exchange_outboxentry e "
        "JOIN exchange_outboundmessage m ON m.id = e.message_id "
        "JOIN exchange_peer p ON p.id = e.destination_id "
        "WHERE p.country = ? AND e.status = 'queued'",
        (destination,),
    )
    return [r[0] for r in rows]


def all_delivered(node: Node, destination: str, ids: list[str]) -> bool:
    rows = outbox(node, destination, ids)
    return len(rows) == len(ids) and all(r["status"] == "delivered" for r in rows.values())


def assert_once_in_effect(sender: Node, receiver: Node, ids: list[str]) -> None:
    """Stored once, one inbound item each, and the sender holds the receiver's receipt."""
    stored = receiver.sql(
        "SELECT envelope_id, receipt FROM exchange_inboundmessage WHERE origin = ? "
        "AND type = 'case.notification'",
        (sender.country,),
    )
    assert sorted(r[0] for r in stored) == sorted(ids)
    items = [r[0] for r in receiver.sql("SELECT envelope_id FROM cases_inbounditem")]
    assert sorted(items) == sorted(ids), "each notification taken into effect exactly once"
    first_receipts = {r[0]: (json.loads(r[1]) if isinstance(r[1], str) else r[1]) for r in stored}
    for envelope_id, row in outbox(sender, receiver.country, ids).items():
        assert row["receipt"]["id"] == first_receipts[envelope_id]["id"]


def peer_row(node: Node, country: str) -> dict[str, Any]:
    peers = json.loads(node.manage("peer", "list", "--json"))
    return next(p for p in peers if p["country"] == country)


@pytest.fixture
def proxies() -> Iterator[list[FaultProxy]]:
    opened: list[FaultProxy] = []
    yield opened
    for proxy in opened:
        proxy.close()


def proxied(fed: Federation, proxies: list[FaultProxy], sender: str, peer: str) -> FaultProxy:
    proxy = FaultProxy(fed.node(peer).port)
    proxies.append(proxy)
    route_through(fed.node(sender), fed.node(peer), proxy)
    return proxy


def test_a_partition_then_heal_drains_the_backlog_at_once(federation, proxies):  # noqa: F811
    """MD cannot reach KZ through several back-off steps, then the network heals: the
    backlog arrives within seconds (the probe of GET /keys), long before the retry MD had
    scheduled. "Minutes" are shortened by settings: the back-off base is 5 s, so four
    failed rounds (retried by the 10 s sweep) take 30 to 60 s and leave the next retry
    20 to 40 s away; with the defaults (base 2 s, cap 600 s) a partition of minutes
    reaches levels 6 to 8 the same way."""
    fed = federation(
        "MD",
        "KZ",
        env={
            "EXCHANGE_RETRY_BASE_SECONDS": "5",
            "EXCHANGE_RETRY_MAX_SECONDS": "120",
            "EXCHANGE_PROBE_SECONDS": "5",  # a probe at every sweep (10 s)
        },
    )
    md, kz = fed.node("MD"), fed.node("KZ")
    proxy = proxied(fed, proxies, "MD", "KZ")
    proxy.partition()
    started = time.monotonic()
    ids = send(md, "KZ", 20)
    levels: list[int] = []

    def backed_off() -> bool:
        level = md.sql("SELECT backoff_level FROM exchange_peer WHERE country = 'KZ'")[0][0]
        if not levels or levels[-1] != level:
            levels.append(level)
        return bool(level >= 4)

    wait_for(backed_off, 90, "MD backs off from KZ four times")
    during = peer_row(md, "KZ")
    assert during["failing_since"] and during["last_error"] and during["queued"] == 20
    retry_at = as_time(md.sql("SELECT retry_at FROM exchange_peer WHERE country = 'KZ'")[0][0])
    partitioned = time.monotonic() - started
    assert not kz.sql("SELECT 1 FROM exchange_inboundmessage WHERE type = 'case.notification'")
    proxy.heal()
    healed = time.monotonic()
    wait_for(lambda: all_delivered(md, "KZ", ids), 40, "the backlog drained after the heal")
    drained = time.monotonic() - healed
    last = max(r["delivered_at"] for r in outbox(md, "KZ", ids).values())
    print(f"partition {partitioned:.0f} s (levels {levels}), backlog of 20 drained "
          f"{drained:.1f} s after the heal; MD's own retry was due at {retry_at}")  # fmt: skip
    assert last < retry_at, "delivered by the probe, before the back-off's retry"
    assert_once_in_effect(md, kz, ids)
    after = peer_row(md, "KZ")
    assert (after["failing_since"], after["backoff_level"], after["queued"]) == (None, 0, 0)


def test_a_slow_peer_does_not_delay_the_others(federation, proxies):  # noqa: F811
    """KZ answers through 2.5 s of latency each way (5 s a request, under MD's 10 s
    timeout); KG is direct. MD sends 16 notifications to both: KZ's take four rounds of
    its four parallel conversations, and KG's are all in before half of KZ's are. (Were
    KG's deliveries queued behind KZ's, they would end with KZ's.)"""
    fed = federation("MD", "KZ", "KG")
    md, kz, kg = fed.node("MD"), fed.node("KZ"), fed.node("KG")
    proxy = proxied(fed, proxies, "MD", "KZ")
    proxy.set_latency(2.5)
    # Embedded, the sending command delivers in its own threads and waits for them.
    sender = threading.Thread(target=send, args=(md, "KZ,KG", 16), daemon=True)
    sender.start()

    def sent() -> list[str]:
        rows = md.sql("SELECT envelope_id FROM exchange_outboundmessage "
                      "WHERE type = 'case.notification'")  # fmt: skip
        return [r[0] for r in rows] if len(rows) == 16 else []

    ids = wait_for(sent, 60, "MD stored the 16 notifications")
    wait_for(lambda: all_delivered(md, "KG", ids), 60, "KG's receipts")
    wait_for(lambda: all_delivered(md, "KZ", ids), 120, "KZ's receipts, slowly")
    sender.join(timeout=60)
    kg_times = sorted(r["delivered_at"] for r in outbox(md, "KG", ids).values())
    kz_times = sorted(r["delivered_at"] for r in outbox(md, "KZ", ids).values())
    kg_after, kz_span = kg_times[-1] - kz_times[0], kz_times[-1] - kz_times[0]
    print(f"KG's last receipt {kg_after.total_seconds():+.1f} s from KZ's first; "
          f"KZ's took {kz_span.total_seconds():.1f} s from first to last")  # fmt: skip
    assert kg_times[-1] < kz_times[len(kz_times) // 2], "KG's deliveries waited for KZ"
    assert proxy.counts["requests"] >= 16
    assert_once_in_effect(md, kg, ids)
    assert_once_in_effect(md, kz, ids)


def test_answers_lost_mid_request_are_delivered_once_in_effect(federation, proxies):  # noqa: F811
    """KZ processes each POST, but the answer to one is cut (connection reset as it
    starts) and another is withheld with the connection left open (half-open: MD waits
    for its 10 s read timeout). MD retries; KZ answers the repeats with the receipt it
    gave the first time, and nothing takes effect twice."""
    fed = federation("MD", "KZ")
    md, kz = fed.node("MD"), fed.node("KZ")
    # MD's start announcement (node.keys) goes before any later message to KZ: were it
    # still queued, the lost answers would be its own and not the notifications'.
    wait_for(lambda: not queued(md, "KZ"), 60, "MD's start announcement delivered")
    proxy = proxied(fed, proxies, "MD", "KZ")
    proxy.fail_responses("cut", "swallow", "cut")
    ids = send(md, "KZ", 4)
    wait_for(lambda: all_delivered(md, "KZ", ids), 90, "every notification delivered")
    assert (proxy.counts["cut"], proxy.counts["swallow"]) == (2, 1)
    rows = outbox(md, "KZ", ids)
    assert sum(r["attempts"] for r in rows.values()) >= 4 + 3, "three answers were lost"
    assert_once_in_effect(md, kz, ids)
    received = kz.sql("SELECT object_id FROM audit_auditentry WHERE action = 'exchange.received'")
    assert sorted(r[0] for r in received if r[0] in ids) == sorted(ids)


CLOCK_SKEW_PATH = str(Path(__file__).resolve().parent.parent / "clockskew")


def skew_clock(node: Node, seconds: int) -> None:
    """Restart `node` (its worker too) with its clock `seconds` ahead: tests/clockskew's
    sitecustomize offsets the clocks the node's code reads, as a badly synchronised host
    would; the node's code has no way of its own to change time."""
    node.stop()
    path = node.env.get("PYTHONPATH", "")
    if CLOCK_SKEW_PATH not in path.split(os.pathsep):
        node.env["PYTHONPATH"] = os.pathsep.join(p for p in (CLOCK_SKEW_PATH, path) if p)
    node.env["NET247_TEST_CLOCK_OFFSET_SECONDS"] = str(seconds)
    node.restart()


def test_clock_skew_at_the_limit_is_accepted_and_past_it_refused(federation):  # noqa: F811
    """MD's clock 300 s ahead (the contract's limit): accepted. 360 s ahead: KZ refuses
    with 400 clock_skew, MD fails the delivery at once (no retry can mend it) and
    alerts its coordinators that the clocks differ."""
    fed = federation("MD", "KZ")
    md, kz = fed.node("MD"), fed.node("KZ")
    skew_clock(md, 300)
    before = datetime.now(UTC).replace(microsecond=0)
    [accepted] = send(md, "KZ", 1)
    after = datetime.now(UTC)
    wait_for(lambda: all_delivered(md, "KZ", [accepted]), 60, "accepted at 300 s")
    [(created,)] = kz.sql(
        "SELECT created_at FROM exchange_inboundmessage WHERE envelope_id = ?", (accepted,)
    )
    ahead = timedelta(seconds=300)
    assert before + ahead <= as_aware(as_time(created)) <= after + ahead, (before, created)

    skew_clock(md, 360)
    [refused] = send(md, "KZ", 1)

    def failed() -> Any:
        row = outbox(md, "KZ", [refused]).get(refused)
        return row if row and row["status"] == "failed" else None

    row = wait_for(failed, 60, "refused past the limit")
    assert row["attempts"] <= 1 and row["receipt"] is None
    [(status, error)] = md.sql(
        "SELECT e.last_status, e.last_error FROM exchange_outboxentry e "
        "JOIN exchange_outboundmessage m ON m.id = e.message_id WHERE m.envelope_id = ?",
        (refused,),
    )
    assert status == 400 and "clock_skew" in error
    assert not kz.sql("SELECT 1 FROM exchange_inboundmessage WHERE envelope_id = ?", (refused,))
    rejections = kz.sql("SELECT details FROM audit_auditentry WHERE action = 'exchange.rejected'")
    codes = [(json.loads(d) if isinstance(d, str) else d)["code"] for (d,) in rejections]
    assert "clock_skew" in codes
    alerts = md.sql("SELECT kind, title, state FROM alerts_alert WHERE object_id = ?", (refused,))
    assert len(alerts) == 1, alerts
    kind, title, state = alerts[0]
    assert kind == "clock_skew" and "clocks differ" in title and state == "triggered"
    assert peer_row(md, "KZ")["failed"] >= 1


def as_time(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def as_aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
