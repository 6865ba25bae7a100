"""The fault matrix, infrastructure half (issue 18): each cell over real node processes
whose PostgreSQL and Redis are the test's own (tests/infra.py), never the machine's.

- PostgreSQL restarted under traffic, Redis stopped and started: every message MD
  committed is delivered to KZ once, KZ raises and pushes one alert per message, and
  while it lasts /readyz names the failing part and the log says what failed.
- A Celery worker SIGKILLed mid-delivery and mid-escalation: nothing lost, nobody paged
  twice.
- The embedded node's disk full: the inbox answers 503 in JSON, nothing is half-written
  (the audit chain verifies) and the node takes messages again once space returns.

docs/operations.md, "Faults and what the node does", is the table of these cells.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from deploy.federation import Federation, Node
from exchange import canonical
from tests.fednet import FakePeer
from tests.infra import (  # noqa: F401 (fixtures)
    PrivatePostgres,
    PrivateRedis,
    SmallDisk,
    infra_federation,
    postgres_up,
    private_postgres,
    private_redis,
    redis_up,
    small_disk,
)
from tests.polling import wait_for

pytestmark = pytest.mark.federation
# The cells on private PostgreSQL and Redis servers need neither of the suite's stacks, so
# they run once per `.ci/run`, in its PostgreSQL + Redis pass; the embedded cell runs in
# the embedded pass. Each takes minutes of real node time: running them twice buys nothing.
in_postgres_pass = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL"),
    reason="runs in the PostgreSQL + Redis pass of .ci/run (set DATABASE_URL to run it here)",
)
in_embedded_pass = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="runs in the embedded pass of .ci/run"
)

ENV = {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend", "LOG_LEVEL": "INFO"}
PEOPLE = """
from accounts import services
from alerts import services as alerts
for name, role in (("kz.coord", "coordinator"), ("kz.p1", "prosecutor")):
    user = services.user_create(username=name, role=role, password="Pass-word-1234!")
    alerts.channel_add(user=user, kind="email", target=name + "@example.org")
"""
NOTIFICATION = {
    "case_ref": "MD-{batch}-{n}",
    "title": "Fault matrix {batch}-{n}",
    "summary": "Sent while the infrastructure fails.",
    "offence": {"country": "MD", "code": "CC", "article": "220/1", "part": "1"},
    "facts": ["adult_victim", "online"],
    "indicators": [],
    "urgency": "urgent",
}


def readyz(node: Node) -> tuple[int, dict[str, Any]]:
    """/readyz from loopback (the operator's view, which names the error); (0, {}) when
    the node does not answer within 15 s."""
    try:
        response = httpx.get(node.url + "/readyz", timeout=15)
    except httpx.HTTPError as exc:
        return 0, {"error": type(exc).__name__}
    return response.status_code, response.json()


def people(node: Node) -> None:
    node.manage("shell", "-c", PEOPLE)
    node.manage("oncall", "set", "--schedule", "default", "--users", "kz.p1",
                "--handoff", "00:00", "--rotation", "daily")  # fmt: skip


class Traffic(threading.Thread):
    """MD's operator sends notifications to KZ in batches, whatever fails meanwhile; the
    envelope ids `message send` printed are the messages MD accepted."""

    def __init__(self, node: Node, to: str = "KZ", batch: int = 3) -> None:
        super().__init__(daemon=True)
        self.node, self.to, self.batch = node, to, batch
        self.accepted: list[str] = []
        self.failed_calls = 0
        self.stop_event = threading.Event()

    def run(self) -> None:
        number = 0
        while not self.stop_event.is_set():
            number += 1
            body = json.dumps(NOTIFICATION).replace("{batch}", str(number))
            try:
                out = self.node.manage("message", "send", "--type", "case.notification",
                                       "--to", self.to, "--body", body, "--count",
                                       str(self.batch), check=False, timeout=120)  # fmt: skip
            except Exception:
                out = ""
            ids = out.split()
            if len(ids) < self.batch:
                self.failed_calls += 1
            self.accepted.extend(ids)
            self.stop_event.wait(0.2)

    def stop(self) -> None:
        self.stop_event.set()
        self.join(timeout=150)


def sent_to(node: Node, country: str) -> set[str]:
    rows = node.sql(
        "SELECT m.envelope_id FROM exchange_outboxentry e "
        "JOIN exchange_outboundmessage m ON m.id = e.message_id "
        "JOIN exchange_peer p ON p.id = e.destination_id "
        "WHERE p.country = ? AND m.type = 'case.notification'",
        (country,),
    )
    return {row[0] for row in rows}


def undelivered(node: Node) -> int:
    return int(
        node.sql("SELECT count(*) FROM exchange_outboxentry WHERE status <> 'delivered'")[0][0]
    )


def received(node: Node, origin: str = "MD") -> list[str]:
    rows = node.sql(
        "SELECT envelope_id FROM exchange_inboundmessage "
        "WHERE origin = ? AND type = 'case.notification'",
        (origin,),
    )
    return [row[0] for row in rows]


def assert_alerted_once(node: Node, envelope_ids: set[str]) -> None:
    """One alert per message. A storm groups them (docs/alerts.md): each group's leader
    ran its first step once and counts every member once; each page was pushed once (an
    `alert.paged` AlertEvent: what the duty desk's socket carries and replays); members
    page nobody."""
    alerts = node.sql("SELECT id, envelope_id, group_id, group_size FROM alerts_alert")
    ours = [row for row in alerts if row[1] in envelope_ids]
    assert sorted(row[1] for row in ours) == sorted(envelope_ids)
    leaders = {row[0]: row[3] for row in ours if row[2] is None}
    members = {row[0]: row[2] for row in ours if row[2] is not None}
    assert set(members.values()) <= set(leaders)
    assert sum(leaders.values()) == len(envelope_ids)
    ours_ids = [row[0] for row in ours]
    runs = node.sql("SELECT alert_id, step, repeat FROM alerts_steprun")
    first = [alert for alert, step, repeat in runs if (step, repeat) == (0, 0)]
    assert sorted(a for a in first if a in leaders) == sorted(leaders)
    assert not [alert for alert, _, _ in runs if alert in members]
    pages = node.sql(
        "SELECT p.alert_id, p.user_id, count(e.id) FROM alerts_page p "
        "LEFT JOIN alerts_alertevent e ON e.alert_id = p.alert_id AND e.user_id = p.user_id "
        "AND e.type = 'alert.paged' GROUP BY p.alert_id, p.user_id"
    )
    assert {alert for alert, _, _ in pages} & set(ours_ids) == set(leaders)
    assert {count for alert, _, count in pages if alert in ours_ids} == {1}


def assert_delivered_once(md: Node, kz: Node, accepted: list[str]) -> set[str]:
    """Everything MD committed for KZ (a superset of what `message send` printed: a
    commit whose answer was lost counts too) arrives at KZ, once."""
    committed = sent_to(md, "KZ")
    assert set(accepted) <= committed
    wait_for(lambda: undelivered(md) == 0, timeout=90, step=1)
    got = received(kz)
    assert len(got) == len(set(got))
    assert set(got) == committed
    return committed


@pytest.fixture
def md_kz(
    postgres_up: PrivatePostgres,  # noqa: F811
    redis_up: PrivateRedis,  # noqa: F811
    infra_federation: Callable[..., Federation],  # noqa: F811
) -> tuple[Node, Node]:
    """MD and KZ, real node processes on the test's own PostgreSQL and Redis."""
    fed = infra_federation("MD", "KZ", postgres=postgres_up, redis=redis_up, env=ENV)
    return fed.node("MD"), fed.node("KZ")


def outage_under_traffic(
    md: Node,
    kz: Node,
    *,
    stop: Callable[[], None],
    start: Callable[[], None],
    failing: str,
    working: str,
    knocking: float,
) -> None:
    """Traffic from MD to KZ; after six accepted messages, `stop` a server KZ stands on:
    KZ's /readyz answers 503 naming the `failing` part (the `working` one still ok) while
    MD keeps knocking for `knocking` seconds; `start` it again: both nodes ready, traffic
    flows, and every message MD committed reaches KZ once and raises one alert."""
    people(kz)
    traffic = Traffic(md)
    traffic.start()
    try:
        wait_for(lambda: len(traffic.accepted) >= 6, timeout=60)
        stop()
        _, body = wait_for(lambda: (r := readyz(kz))[0] == 503 and r, timeout=30)
        assert body["status"] == "unavailable"
        assert body[failing].startswith("error"), body
        assert body[working] == "ok"
        time.sleep(knocking)
        before = len(traffic.accepted)
        start()
        wait_for(lambda: readyz(kz)[0] == 200 and readyz(md)[0] == 200, timeout=60)
        wait_for(lambda: len(traffic.accepted) >= before + 6, timeout=60)
    finally:
        traffic.stop()
    committed = assert_delivered_once(md, kz, traffic.accepted)
    assert_alerted_once(kz, committed)


@in_postgres_pass
def test_postgresql_restarted_under_traffic(
    md_kz: tuple[Node, Node],
    postgres_up: PrivatePostgres,  # noqa: F811
) -> None:
    md, kz = md_kz
    outage_under_traffic(
        md,
        kz,
        stop=lambda: postgres_up.stop("fast"),
        start=postgres_up.start,
        failing="database",
        working="redis",
        knocking=3,
    )
    # The log says what failed: a request or task that met the stopped server logs its
    # OperationalError; when none did in the outage, the pool logs the broken connections
    # it discards on their first use after the restart.
    log = kz.log_tail(200_000)
    assert "OperationalError" in log or "discarding closed connection" in log, log[-2000:]


@in_postgres_pass
def test_redis_stopped_and_started_under_traffic(
    md_kz: tuple[Node, Node],
    redis_up: PrivateRedis,  # noqa: F811
) -> None:
    md, kz = md_kz
    # No persistence: Redis comes back empty (queues, channel layer, cache).
    outage_under_traffic(
        md,
        kz,
        stop=redis_up.stop,
        start=redis_up.start,
        failing="redis",
        working="database",
        knocking=5,
    )
    assert "Cannot connect to redis" in kz.log_tail(200_000)  # the worker's log says so


FAST_POLICY = """
from alerts import services
services.policy_set(urgency="urgent", steps=[
    {"action": "schedule", "schedule": "default", "wait_minutes": 0.1},
    {"action": "coordinators", "wait_minutes": 0.1}], repeat=0, ack_window_minutes=60)
"""
WAITING = (
    "SELECT query FROM pg_stat_activity WHERE datname = current_database() "
    "AND wait_event_type = 'Lock'"
)


def descendants(pid: int) -> list[int]:
    """The processes under `pid` (the worker `node run --with-worker` started, and its
    own children), deepest last."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found.append(child)
            found.extend(descendants(child))
    return found


def kill_worker(node: Node) -> list[int]:
    """SIGKILL the node's Celery worker (and beat), leaving its web process serving."""
    assert node.process is not None
    pids = descendants(node.process.pid)
    assert pids, "no worker under the node"
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return pids


def step_runs(node: Node, envelope_id: str) -> list[tuple[Any, ...]]:
    return node.sql(
        "SELECT r.step, r.repeat FROM alerts_steprun r JOIN alerts_alert a ON a.id = r.alert_id "
        "WHERE a.envelope_id = ? ORDER BY r.step, r.repeat",
        (envelope_id,),
    )


@in_postgres_pass
def test_workers_killed_mid_delivery_and_mid_escalation(md_kz: tuple[Node, Node]) -> None:
    """KZ's audit chain is held locked by the test: KZ's worker blocks inside an
    escalation step (pages inserted, not committed) and KZ's inbox inside the storing
    transaction, so MD's worker blocks inside its delivery POST. Both workers are then
    SIGKILLed, the lock released, the nodes restarted: the step runs exactly once, the
    message is stored once and MD holds its receipt."""
    import psycopg

    md, kz = md_kz
    people(kz)
    kz.manage("shell", "-c", FAST_POLICY)
    body = json.dumps(NOTIFICATION).replace("{batch}", "kill")
    [first] = md.manage("message", "send", "--type", "case.notification", "--to", "KZ",
                        "--body", body).split()  # fmt: skip
    wait_for(lambda: step_runs(kz, first) == [(0, 0)], timeout=60)
    lock = psycopg.connect(kz.database_url.replace("postgres://", "postgresql://", 1))
    try:
        lock.execute("SELECT 1 FROM audit_audithead WHERE id = 1 FOR UPDATE")  # tx stays open

        def waiting(function: str) -> list[str]:
            return [row[0] for row in kz.sql(WAITING) if function in row[0]]

        # The next step falls due; KZ's worker claims it and blocks appending its entry.
        wait_for(lambda: waiting("audit_append("), timeout=60, step=0.5)
        # An update of the case (no alert: nothing else locks the alert) blocks in KZ's
        # inbox, so MD's worker waits for the answer to its POST.
        update = json.dumps({"case_ref": "MD-kill-0", "changes": {"status": "open"}})
        [second] = md.manage("message", "send", "--type", "case.update", "--to", "KZ",
                             "--body", update, "--thread", first).split()  # fmt: skip
        wait_for(lambda: waiting("audit_append_all("), timeout=60, step=0.5)
        killed = kill_worker(kz) + kill_worker(md)
        assert len(killed) >= 2
    finally:
        lock.rollback()
        lock.close()
    assert step_runs(kz, first) == [(0, 0)]
    for node in (md, kz):
        node.stop()
        node.restart()
    wait_for(lambda: step_runs(kz, first) == [(0, 0), (1, 0)], timeout=90, step=1)
    # MD's claim on the killed delivery expires (outbox LEASE, 60 s), then it delivers
    # again: KZ answers with the receipt it made the first time.
    wait_for(lambda: undelivered(md) == 0, timeout=120, step=1)
    assert received(kz) == [first]
    assert kz.sql("SELECT count(*) FROM exchange_inboundmessage WHERE envelope_id = ?",
                  (second,)) == [(1,)]  # fmt: skip
    assert_alerted_once(kz, {first})
    pages = kz.sql(
        "SELECT p.step, p.repeat, u.username FROM alerts_page p JOIN alerts_alert a "
        "ON a.id = p.alert_id JOIN accounts_user u ON u.id = p.user_id "
        "WHERE a.envelope_id = ? ORDER BY p.step",
        (first,),
    )
    assert pages == [(0, 0, "kz.p1"), (1, 0, "kz.coord")]
    assert step_runs(kz, first) == [(0, 0), (1, 0)]
    [(receipt,)] = md.sql(
        "SELECT e.receipt FROM exchange_outboxentry e JOIN exchange_outboundmessage m "
        "ON m.id = e.message_id WHERE m.envelope_id = ?",
        (second,),
    )
    receipt = receipt if isinstance(receipt, dict) else json.loads(receipt)
    [(kz_receipt,)] = kz.sql(
        "SELECT receipt FROM exchange_inboundmessage WHERE envelope_id = ?", (second,)
    )
    kz_receipt = kz_receipt if isinstance(kz_receipt, dict) else json.loads(kz_receipt)
    assert receipt == kz_receipt
    for node in (md, kz):
        assert json.loads(node.manage("audit", "verify", "--json"))["ok"] is True


def post(node: Node, raw: bytes) -> httpx.Response:
    return httpx.post(node.url + "/federation/v1/inbox", content=raw, timeout=30,
                      headers={"Content-Type": "application/json"})  # fmt: skip


@in_embedded_pass
def test_embedded_node_disk_full(
    infra_federation: Callable[..., Federation],  # noqa: F811
    small_disk: Callable[[str], SmallDisk],  # noqa: F811
    tmp_path: Path,
) -> None:
    """KZ embedded (SQLite) with NODE_VAR_DIR on a 64 MB tmpfs: filled, its inbox answers
    503 in JSON and stores nothing (the audit chain verifies); freed, it takes the same
    envelope again without a restart."""
    disk = small_disk("64m")
    fed = infra_federation("KZ", dirs={"KZ": disk.path})
    kz = fed.node("KZ")
    kz.log_path = tmp_path / "kz.log"  # the log is not what fills up here
    kz.stop()
    kz.start()
    kz.wait_ready()
    md = FakePeer("MD")
    kz.manage(*md.enrol_args())
    before = md.signed_bytes(["KZ"])
    assert post(kz, before).status_code == 202
    disk.fill()
    assert disk.available() < 65536
    refused = md.signed_bytes(["KZ"])
    answers = [post(kz, refused) for _ in range(3)]
    for answer in answers:
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"].startswith("application/json")
        assert answer.json()["error"]["code"] == "unavailable"
        assert "full" in answer.json()["error"]["message"]
        assert int(answer.headers["Retry-After"]) > 0
    stored = kz.sql("SELECT envelope_id FROM exchange_inboundmessage")
    assert canonical.loads(refused)["id"] not in {row[0] for row in stored}
    assert "cannot store messages (its disk is full)" in kz.log_tail(200_000)
    status, ready = readyz(kz)
    assert status == 503 and ready["disk"].startswith("error: disk full"), ready
    disk.free()
    assert readyz(kz) == (200, {"status": "ok", "database": "ok", "disk": "ok"})
    again = post(kz, refused)  # the peer's retry
    assert again.status_code == 202, again.text
    assert post(kz, refused).status_code == 200  # a repeat: the same receipt
    ids = [row[0] for row in kz.sql("SELECT envelope_id FROM exchange_inboundmessage")]
    assert sorted(ids) == sorted(canonical.loads(raw)["id"] for raw in (before, refused))
    verified = json.loads(kz.manage("audit", "verify", "--json"))
    assert verified["ok"] is True, verified
