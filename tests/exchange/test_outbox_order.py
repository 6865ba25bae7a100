"""A backlog drains in parallel across conversations and in order within each (issue 18):
a receiver sees a case's notification before its updates. In-process against a real HTTP
peer that signs real receipts and answers slowly enough for requests to overlap."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from exchange import canonical, outbox, services, signing
from exchange.models import OutboxEntry
from node import jobs
from node import services as node_services
from tests.fednet import FakePeer, now_text
from tests.httpstub import Stub, serving

KZ = FakePeer("KZ")
RUN_LOCK = "exchange:deliver-peer:KZ"  # what outbox.deliver_peer holds while it runs


class Receiver(Stub):
    arrivals: list[tuple[str, str]] = []  # (thread, envelope id) in arrival order
    in_flight = 0
    most_in_flight = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        envelope = canonical.loads(self.rfile.read(int(self.headers["Content-Length"])))
        cls = type(self)
        with cls.lock:
            cls.arrivals.append((envelope["thread"], envelope["id"]))
            cls.in_flight += 1
            cls.most_in_flight = max(cls.most_in_flight, cls.in_flight)
        time.sleep(0.02)  # a receiver's own work: concurrent requests overlap
        receipt = KZ.sign(
            KZ.envelope(
                [envelope["origin"]],
                type="receipt",
                body={
                    "ref": envelope["id"],
                    "digest": signing.digest(envelope),
                    "received_at": now_text(),
                },
                id=envelope["id"][:-4] + "ffff",
                thread=envelope["thread"],
                in_reply_to=envelope["id"],
            )
        )
        body = canonical.dumps(receipt)
        with cls.lock:
            cls.in_flight -= 1
        self.answer(202, body, {"Content-Type": "application/json"})


@pytest.fixture
def kz_url() -> Iterator[str]:
    with serving(Receiver) as server:
        yield f"http://127.0.0.1:{server.server_port}"


@pytest.mark.django_db(transaction=True)
def test_each_thread_arrives_in_order_while_threads_overlap(settings, tmp_path, kz_url):
    settings.NODE_KEY_DIR = tmp_path / "keys"
    settings.NODE_COUNTRY = "MD"
    node_services.node_init()
    services.peer_add(country="KZ", url=kz_url, keys=[(KZ.key_id, KZ.public_key)])
    # Queued while we hold KZ's delivery run: the task each message starts gives way.
    assert cache.add(RUN_LOCK, 1, timeout=60)
    queued: dict[str, list[str]] = {}
    for case in range(6):
        root = services.message_send(
            type="case.update", to=["KZ"], body={"case_ref": f"MD-{case}", "changes": {}}
        )
        queued[root.thread] = [root.envelope_id]
        for step in range(4):
            update = services.message_send(
                type="case.update",
                to=["KZ"],
                body={"case_ref": f"MD-{case}", "changes": {"step": str(step)}},
                thread=root.thread,
                in_reply_to=root.envelope_id,
            )
            queued[root.thread].append(update.envelope_id)
    Receiver.arrivals, Receiver.most_in_flight = [], 0
    cache.delete(RUN_LOCK)

    outbox.deliver_peer("KZ")  # one run per peer at a time (a late task's run may hold it)
    deadline = time.monotonic() + 30
    while OutboxEntry.objects.filter(status="delivered").count() < 30:
        assert time.monotonic() < deadline, "the backlog was not delivered"
        time.sleep(0.1)
    arrived: dict[str, list[str]] = {}
    for thread, envelope_id in Receiver.arrivals:
        arrived.setdefault(thread, []).append(envelope_id)
    assert arrived == queued  # each conversation exactly once, in the order it was queued
    assert Receiver.most_in_flight > 1  # and conversations still went in parallel


class CacheSpy:
    """The cache as outbox sees it, recording what it asks of the run's lock."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any]] = []

    def add(self, key: str, value: Any, timeout: Any = None) -> bool:
        self.calls.append(("add", key, timeout))
        return bool(cache.add(key, value, timeout=timeout))

    def touch(self, key: str, timeout: Any = None) -> bool:
        self.calls.append(("touch", key, timeout))
        return bool(cache.touch(key, timeout=timeout))

    def delete(self, key: str) -> bool:
        self.calls.append(("delete", key, None))
        return bool(cache.delete(key))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("renew_every", "touches"), [(0.0, 3), (60.0, 0)])
def test_a_peers_run_is_a_lease_renewed_as_it_goes(
    settings, tmp_path, kz_url, monkeypatch, renew_every, touches
):
    """A worker SIGKILLed mid-run never deletes its lock: the lock must lapse within one
    LEASE (as the claim on the entry it was posting does), not hold the peer's whole queue
    for the run's budget. A live run renews it as it finishes entries, at most every
    RENEW_EVERY seconds (a cache round trip per entry was a tenth of a delivery's CPU).
    (tests/test_faults_infra.py kills a real worker mid-delivery.)"""
    monkeypatch.setattr(outbox, "RENEW_EVERY", renew_every)
    settings.NODE_KEY_DIR = tmp_path / "keys"
    settings.NODE_COUNTRY = "MD"
    node_services.node_init()
    services.peer_add(country="KZ", url=kz_url, keys=[(KZ.key_id, KZ.public_key)])
    assert cache.add(RUN_LOCK, 1, timeout=60)  # the tasks of the sends below give way
    root = services.message_send(
        type="case.update", to=["KZ"], body={"case_ref": "MD-1", "changes": {}}
    )
    for step in range(2):
        body = {"case_ref": "MD-1", "changes": {"step": str(step)}}
        services.message_send(type="case.update", to=["KZ"], thread=root.thread, body=body)
    cache.delete(RUN_LOCK)
    spy = CacheSpy()
    monkeypatch.setattr(outbox, "cache", spy)

    assert outbox.deliver_peer("KZ") == 3
    lease = outbox.LEASE.total_seconds()
    run = [(verb, timeout) for verb, key, timeout in spy.calls if key == RUN_LOCK]
    assert run[0] == ("add", lease)
    assert run.count(("touch", lease)) == touches  # once per entry when every 0 s
    assert run[-1] == ("delete", None)


def _queue_conversations(count: int) -> list[str]:
    ids = []
    for case in range(count):
        message = services.message_send(
            type="case.update", to=["KZ"], body={"case_ref": f"MD-{case}", "changes": {}}
        )
        ids.append(message.envelope_id)
    return ids


@pytest.fixture
def md_with_kz(settings, tmp_path, kz_url, monkeypatch):
    """MD with KZ enrolled; what a run dispatches after itself is recorded, not run."""
    settings.NODE_KEY_DIR = tmp_path / "keys"
    settings.NODE_COUNTRY = "MD"
    node_services.node_init()
    services.peer_add(country="KZ", url=kz_url, keys=[(KZ.key_id, KZ.public_key)])
    dispatched: list[tuple[Any, ...]] = []
    monkeypatch.setattr(jobs, "dispatch", lambda *args: dispatched.append(args))
    monkeypatch.setattr(jobs, "dispatch_later", lambda *args: dispatched.append(("later", *args)))
    Receiver.arrivals, Receiver.most_in_flight = [], 0
    return dispatched


@pytest.mark.django_db(transaction=True)
def test_a_run_out_of_budget_queues_its_successor(md_with_kz, monkeypatch):
    """Two Celery threads serve every peer: a run gives its thread back after its budget
    and its peer's next run is queued at once, not left to the sweep (issue 18: a peer
    waited minutes behind the others' runs)."""
    _queue_conversations(3)
    md_with_kz.clear()  # the messages' own tasks
    monkeypatch.setattr(outbox, "PEER_BUDGET_SECONDS", 0.0)
    assert outbox.deliver_peer("KZ") == 0
    assert md_with_kz == [("exchange.tasks.deliver_peer", "KZ")]
    monkeypatch.setattr(outbox, "PEER_BUDGET_SECONDS", 30.0)
    md_with_kz.clear()
    assert outbox.deliver_peer("KZ") == 3
    assert md_with_kz == []  # drained: nothing more to do


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_sends_queues_one_run_and_none_while_a_run_holds_the_lock(md_with_kz):
    """A committed message asks for a run of its peer's queue: a burst costs one task (its
    flag stands until the task starts), none while a run holds the lock (that run sees
    the entries, in its loop or in _after_run), and a new one once the task has started."""
    cache.delete("exchange:deliver-peer-requested:KZ")
    md_with_kz.clear()
    _queue_conversations(3)
    assert md_with_kz == [("exchange.tasks.deliver_peer", "KZ")]
    assert outbox.deliver_peer("KZ") == 3  # the task: clears the flag, drains the queue
    md_with_kz.clear()
    assert cache.add(RUN_LOCK, 1, timeout=60)  # a run in progress
    try:
        _queue_conversations(2)
        assert md_with_kz == []
    finally:
        cache.delete(RUN_LOCK)
    _queue_conversations(1)
    assert md_with_kz == [("exchange.tasks.deliver_peer", "KZ")]
    assert outbox.deliver_peer("KZ") == 3  # what came while the lock was held, and after
    assert OutboxEntry.objects.filter(status="delivered").count() == 6


@pytest.mark.django_db(transaction=True)
def test_a_key_announcement_goes_first_and_the_run_does_not_stop_for_it(md_with_kz):
    """A queued node.keys is delivered before the conversations behind it, once, and the
    conversations do not race for it (a loser used to end the whole run)."""
    assert cache.add(RUN_LOCK, 1, timeout=60)
    keys = services.announce_presence()
    assert keys is not None
    sent = _queue_conversations(8)
    cache.delete(RUN_LOCK)
    assert outbox.deliver_peer("KZ") == 9  # everything, in this one run
    arrived = [envelope_id for _thread, envelope_id in Receiver.arrivals]
    assert arrived[0] == keys.envelope_id
    assert sorted(arrived[1:]) == sorted(sent)


class TooMany(Stub):
    def do_POST(self) -> None:
        self.request_body()
        body = canonical.dumps({"error": {"code": "rate_limited", "message": "slow down"}})
        self.answer(429, body, {"Retry-After": "3"})


@pytest.mark.django_db(transaction=True)
def test_after_a_429_the_next_run_is_scheduled_at_retry_after(md_with_kz):
    """The receiver's rate limit: the queue waits Retry-After, then goes on by itself
    (it used to wait for the next sweep, up to 10 s more, whatever Retry-After said)."""
    with serving(TooMany) as server:
        services.peer_add(
            country="KZ",
            url=f"http://127.0.0.1:{server.server_port}",
            keys=[(KZ.key_id, KZ.public_key)],
        )
        _queue_conversations(2)
        md_with_kz.clear()
        assert outbox.deliver_peer("KZ") == 0
    assert len(md_with_kz) == 1
    later, seconds, task, country = md_with_kz[0]
    assert (later, task, country) == ("later", "exchange.tasks.deliver_peer", "KZ")
    assert 2.0 < seconds <= 3.0
    assert not OutboxEntry.objects.filter(status="delivered").exists()
