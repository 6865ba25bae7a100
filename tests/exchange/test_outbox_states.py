"""The outbox state machine and the inbox's ordering, in-process against a real HTTP peer.

The peer is a small real HTTP server on a free port answering what each test needs.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from alerts.models import Alert
from audit.models import AuditEntry
from exchange import canonical, handlers, inbox, outbox, services, signals
from exchange.models import InboundMessage, OutboundMessage, OutboxEntry, Peer
from node import services as node_services
from tests.fednet import FakePeer
from tests.httpstub import Stub, serving

KZ = FakePeer("KZ")
MD = FakePeer("MD")
UPDATE = {"case_ref": "X-1", "changes": {"status": "open"}}


class Answer(Stub):
    status = 503
    code = "x"
    headers_out: dict[str, str] = {}

    def do_POST(self) -> None:
        self.request_body()
        body = canonical.dumps({"error": {"code": self.code, "message": "test answer"}})
        self.answer(self.status, body, self.headers_out)


@pytest.fixture
def peer_server() -> Iterator[ThreadingHTTPServer]:
    with serving(Answer) as server:
        yield server


@pytest.fixture
def node(db, settings, tmp_path):
    settings.NODE_KEY_DIR = tmp_path / "keys"
    settings.NODE_COUNTRY = "MD"
    node_services.node_init()


def enrol(url: str) -> Peer:
    return services.peer_add(country="KZ", url=url, keys=[(KZ.key_id, KZ.public_key)])[0]


def one_entry(urgency: str = "") -> OutboxEntry:
    body = dict(UPDATE)
    message = services.message_send(type="case.update", to=["KZ"], body=body)
    if urgency:
        OutboundMessage.objects.filter(pk=message.pk).update(urgency=urgency)
    return OutboxEntry.objects.get(message=message)


def test_invalid_body_is_refused_and_stores_nothing(node, peer_server):
    enrol(f"http://127.0.0.1:{peer_server.server_port}")
    with pytest.raises(ValidationError) as info:
        services.message_send(type="case.notification", to=["KZ"], body={"case_ref": "X"})
    assert "title: required" in str(info.value)
    with pytest.raises(ValidationError):
        services.message_send(type="case.update", to=["UZ"], body=UPDATE)
    assert OutboundMessage.objects.count() == 0 and OutboxEntry.objects.count() == 0


def test_5xx_backs_off_per_peer_and_hearing_resets(node, peer_server, settings):
    settings.EXCHANGE_RETRY_BASE_SECONDS = 4
    Answer.status, Answer.headers_out = 503, {}
    peer = enrol(f"http://127.0.0.1:{peer_server.server_port}")
    first, second = one_entry(), one_entry()
    assert outbox.deliver(first.pk) == "retry"
    peer.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "queued" and first.attempts == 1 and first.last_status == 503
    assert peer.backoff_level == 1 and peer.failing_since is not None
    delay = (first.next_attempt_at - timezone.now()).total_seconds()
    assert 1 <= delay <= 4
    assert second.next_attempt_at == first.next_attempt_at  # the whole queue waits
    assert outbox.deliver(second.pk) == "not-due"
    outbox.peer_heard(peer)
    peer.refresh_from_db()
    second.refresh_from_db()
    assert peer.backoff_level == 0 and peer.failing_since is None
    assert second.next_attempt_at <= timezone.now()


def test_back_off_is_capped(settings):
    settings.EXCHANGE_RETRY_BASE_SECONDS = 2
    settings.EXCHANGE_RETRY_MAX_SECONDS = 600
    delays = [outbox.backoff_delay(level) for level in range(20)]
    assert max(delays) <= 600 and delays[-1] >= 300
    assert 1 <= delays[0] <= 2


def test_429_honours_retry_after_without_counting_as_failing(node, peer_server):
    Answer.status, Answer.headers_out = 429, {"Retry-After": "7"}
    peer = enrol(f"http://127.0.0.1:{peer_server.server_port}")
    entry = one_entry()
    assert outbox.deliver(entry.pk) == "retry"
    entry.refresh_from_db()
    peer.refresh_from_db()
    assert 6 <= (entry.next_attempt_at - timezone.now()).total_seconds() <= 7
    assert peer.failing_since is None and peer.backoff_level == 0


def test_other_4xx_is_a_final_failure_signalled_once(
    node, peer_server, django_capture_on_commit_callbacks
):
    Answer.status, Answer.headers_out = 403, {}
    enrol(f"http://127.0.0.1:{peer_server.server_port}")
    entry = one_entry()
    seen: list[dict[str, Any]] = []

    def listener(sender: Any, **kwargs: Any) -> None:
        seen.append(kwargs)

    signals.delivery_failed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):  # sent after commit
            assert outbox.deliver(entry.pk) == "failed"
            assert outbox.deliver(entry.pk) == "done"
    finally:
        signals.delivery_failed.disconnect(listener)
    entry.refresh_from_db()
    assert entry.status == "failed" and entry.last_status == 403
    assert len(seen) == 1 and seen[0]["destination"] == "KZ"
    assert seen[0]["envelope_id"] == entry.message.envelope_id
    assert AuditEntry.objects.filter(action="exchange.delivery_failed").count() == 1


@pytest.mark.parametrize(
    ("code", "kind"), [("clock_skew", "clock_skew"), ("not_addressed", "delivery_failed")]
)
def test_a_refusal_carries_its_code_to_the_coordinators_alert(
    node, peer_server, code, kind, django_capture_on_commit_callbacks
):
    """A clock_skew refusal is final like any other 4xx, and the alert says it is the
    clocks (issue 18): exchange passes the peer's code, alerts words the alert."""
    Answer.status, Answer.code, Answer.headers_out = 400, code, {}
    enrol(f"http://127.0.0.1:{peer_server.server_port}")
    entry = one_entry()
    seen: list[dict[str, Any]] = []

    def listener(sender: Any, **kwargs: Any) -> None:
        seen.append(kwargs)

    signals.delivery_failed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert outbox.deliver(entry.pk) == "failed"
    finally:
        signals.delivery_failed.disconnect(listener)
        Answer.code = "x"
    assert [s["code"] for s in seen] == [code]
    alert = Alert.objects.get(object_id=entry.message.envelope_id)
    assert alert.kind == kind
    assert ("clocks differ" in alert.title) == (code == "clock_skew")
    audit = AuditEntry.objects.get(action="exchange.delivery_failed")
    assert audit.details["code"] == code


def test_a_failing_receiver_undoes_nothing_and_is_audited(
    node, peer_server, django_capture_on_commit_callbacks
):
    """issue 20: a bug in a receiver (alerts) must not roll back the outbox's state
    change; the signal leaves after commit, the failure is logged and audited, and the
    other receivers (alerts' own) still run."""
    Answer.status, Answer.headers_out = 403, {}
    enrol(f"http://127.0.0.1:{peer_server.server_port}")
    entry = one_entry()

    def broken(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("receiver bug")

    signals.delivery_failed.connect(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True) as sent:
            assert outbox.deliver(entry.pk) == "failed"
            entry.refresh_from_db()
            assert entry.status == "failed"  # stored before any receiver ran
            assert not Alert.objects.exists()
    finally:
        signals.delivery_failed.disconnect(broken)
    assert len(sent) == 1
    entry.refresh_from_db()
    assert entry.status == "failed" and entry.failed_at is not None
    failure = AuditEntry.objects.get(action="exchange.receiver_failed")
    assert failure.outcome == "failure" and failure.actor_kind == "system"
    assert failure.object_id == entry.message.envelope_id
    assert failure.details["signal"] == "delivery_failed"
    assert failure.details["country"] == "KZ"
    assert failure.details["receiver"].endswith("broken")
    assert failure.details["error"] == "RuntimeError: receiver bug"
    assert Alert.objects.filter(object_id=entry.message.envelope_id).count() == 1


def test_a_failure_untold_when_the_process_died_is_told_by_the_sweep_once(
    node, peer_server, django_capture_on_commit_callbacks
):
    """The failure commits, then the process dies before delivery_failed goes out (its
    on-commit callbacks never run). The sweep tells the coordinators a minute later, with
    the peer's code, and only once however often it runs."""
    Answer.status, Answer.code, Answer.headers_out = 400, "clock_skew", {}
    enrol(f"http://127.0.0.1:{peer_server.server_port}")
    entry = one_entry()
    try:
        with django_capture_on_commit_callbacks(execute=False) as dropped:
            assert outbox.deliver(entry.pk) == "failed"
    finally:
        Answer.code = "x"
    assert len(dropped) == 1  # the send that the dying process never made
    assert not Alert.objects.exists()
    assert outbox.signal_unannounced() == 0  # younger than a minute: the send may be in flight
    OutboxEntry.objects.filter(pk=entry.pk).update(
        failed_at=timezone.now() - outbox.UNANNOUNCED_AFTER - timedelta(seconds=1)
    )
    assert outbox.signal_unannounced() == 1
    assert outbox.signal_unannounced() == 0
    alert = Alert.objects.get(object_id=entry.message.envelope_id)
    assert alert.kind == "clock_skew"
    entry.refresh_from_db()
    assert entry.failure_signalled_at is not None


@pytest.mark.parametrize(
    "body", [b"", b"not json", b"[1]", b'{"error": "x"}', b'{"error": {"code": "A B"}}']
)
def test_a_refusal_without_a_readable_code_has_none(body):
    assert outbox._refusal_code(body) == ""


def test_connection_refused_is_retried(node):
    enrol("http://127.0.0.1:9")  # discard port: nothing listens
    entry = one_entry()
    assert outbox.deliver(entry.pk) == "retry"
    entry.refresh_from_db()
    assert entry.status == "queued" and entry.last_status is None and entry.last_error


def test_back_off_rises_once_per_round_not_per_attempt(node):
    """Attempts that fail while the peer is already backed off (the parallel drain's other
    conversations, a burst of new messages) join the retry set; the next round's failure
    is the next step (issue 18: twenty sends to a partitioned peer took it to level 4)."""
    enrol("http://127.0.0.1:9")  # discard port: nothing listens
    first, *burst = [one_entry() for _ in range(5)]
    assert outbox.deliver(first.pk) == "retry"
    peer = Peer.objects.get(country="KZ")
    assert peer.backoff_level == 1 and peer.retry_at is not None
    for entry in burst:  # each as if sent just now (message_send's task tries it at once)
        OutboxEntry.objects.filter(pk=entry.pk).update(next_attempt_at=timezone.now())
        assert outbox.deliver(entry.pk) == "retry"
    again = Peer.objects.get(country="KZ")
    assert (again.backoff_level, again.retry_at) == (1, peer.retry_at)
    assert set(OutboxEntry.objects.values_list("next_attempt_at", flat=True)) == {peer.retry_at}
    # The round comes: its failure is the next step.
    Peer.objects.update(retry_at=timezone.now())
    OutboxEntry.objects.update(next_attempt_at=timezone.now())
    assert outbox.deliver(first.pk) == "retry"
    assert Peer.objects.get(country="KZ").backoff_level == 2


def test_urgent_overdue_after_15_minutes_and_expiry_after_30_days(
    node, peer_server, django_capture_on_commit_callbacks
):
    enrol(f"http://127.0.0.1:{peer_server.server_port}")
    urgent, routine, ancient = one_entry("urgent"), one_entry("routine"), one_entry()
    old = timezone.now() - timedelta(minutes=16)
    OutboundMessage.objects.filter(pk__in=[urgent.message_id, routine.message_id]).update(
        created_at=old
    )
    OutboundMessage.objects.filter(pk=ancient.message_id).update(
        created_at=timezone.now() - timedelta(days=31)
    )
    overdue: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []

    def on_overdue(sender: Any, **kwargs: Any) -> None:
        overdue.append(kwargs)

    def on_failed(sender: Any, **kwargs: Any) -> None:
        failed.append(kwargs)

    signals.delivery_overdue.connect(on_overdue)
    signals.delivery_failed.connect(on_failed)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert outbox.signal_overdue() == 1
            assert outbox.signal_overdue() == 0  # once each
            assert outbox.expire_old() == 1
    finally:
        signals.delivery_overdue.disconnect(on_overdue)
        signals.delivery_failed.disconnect(on_failed)
    assert [o["envelope_id"] for o in overdue] == [urgent.message.envelope_id]
    assert overdue[0]["urgency"] == "urgent"
    assert [f["envelope_id"] for f in failed] == [ancient.message.envelope_id]


@contextmanager
def handled_by(message_type: str, handler: Any) -> Iterator[None]:
    """Register `handler` (None: no handler) for a type for the block, then restore."""
    saved = dict(handlers._handlers)
    handlers._handlers.pop(message_type, None)
    if handler is not None:
        handlers._handlers[message_type] = handler
    try:
        yield
    finally:
        handlers._handlers.clear()
        handlers._handlers.update(saved)


@pytest.fixture
def waiting_handler() -> Iterator[list[str]]:
    """A handler for case.request that needs its thread's root processed first."""
    applied: list[str] = []

    def handle(message: Any) -> None:
        if message.thread != message.envelope_id and message.thread not in applied:
            raise handlers.NotYet("thread root not applied yet")
        applied.append(message.envelope_id)

    with handled_by("case.request", handle):
        yield applied


def test_out_of_order_message_waits_for_its_thread_root(node, waiting_handler, settings):
    services.peer_add(country="KZ", url="http://127.0.0.1:9", keys=[(KZ.key_id, KZ.public_key)])
    body = {"case_ref": "K-1", "kind": "information", "text": "?"}
    root = KZ.envelope(["MD"], type="case.request", body=body)
    reply = KZ.envelope(["MD"], type="case.request", body=body, thread=root["id"],
                        in_reply_to=root["id"])  # fmt: skip
    assert inbox.receive(canonical.dumps(KZ.sign(reply)), client_ip="127.0.0.1").status == 202
    assert InboundMessage.objects.get(envelope_id=reply["id"]).state == "waiting"
    assert inbox.receive(canonical.dumps(KZ.sign(root)), client_ip="127.0.0.1").status == 202
    states = dict(InboundMessage.objects.values_list("envelope_id", "state"))
    assert states == {root["id"]: "processed", reply["id"]: "processed"}
    assert waiting_handler == [root["id"], reply["id"]]


def test_message_without_handler_is_kept(node, settings):
    services.peer_add(country="KZ", url="http://127.0.0.1:9", keys=[(KZ.key_id, KZ.public_key)])
    with handled_by("case.update", None):
        envelope = KZ.sign(KZ.envelope(["MD"], type="case.update"))
        outcome = inbox.receive(canonical.dumps(envelope), client_ip="127.0.0.1")
    assert outcome.status == 202
    assert InboundMessage.objects.get(envelope_id=envelope["id"]).state == "unhandled"


def test_failed_handler_keeps_the_receipt_and_reprocess_applies_it_once_fixed(node):
    services.peer_add(country="KZ", url="http://127.0.0.1:9", keys=[(KZ.key_id, KZ.public_key)])
    applied: list[str] = []
    broken = {"yes": True}

    def handle(message: Any) -> None:
        if broken["yes"]:
            raise RuntimeError("a bug in the handler")
        applied.append(message.envelope_id)

    with handled_by("case.request", handle):
        body = {"case_ref": "K-2", "kind": "information", "text": "?"}
        envelope = KZ.sign(KZ.envelope(["MD"], type="case.request", body=body))
        outcome = inbox.receive(canonical.dumps(envelope), client_ip="127.0.0.1")
        assert outcome.status == 202 and outcome.body["body"]["ref"] == envelope["id"]
        row = InboundMessage.objects.get(envelope_id=envelope["id"])
        assert row.state == "failed" and "a bug in the handler" in row.error
        assert inbox.sweep_inbound() == 0  # not retried by itself
        listed = io.StringIO()
        call_command("message", "failed", stdout=listed)
        assert f"KZ {envelope['id']} case.request RuntimeError: a bug" in listed.getvalue()
        broken["yes"] = False
        out = io.StringIO()
        call_command("message", "reprocess", "--origin", "kz", "--id", envelope["id"], stdout=out)
        assert out.getvalue().strip() == "processed" and applied == [envelope["id"]]
        assert inbox.reprocess("KZ", envelope["id"]) == "not-failed"
        assert AuditEntry.objects.filter(action="exchange.reprocess").count() == 1


def test_a_failing_handler_leaves_none_of_its_effects_and_the_message_stored(node):
    """The handler runs in the storing transaction, in a savepoint: its rows and its audit
    entries go, the message, its receipt and the failure stay, and the chain verifies."""
    from audit.services import record
    from audit.verify import verify

    services.peer_add(country="KZ", url="http://127.0.0.1:9", keys=[(KZ.key_id, KZ.public_key)])

    def handle(message: Any) -> None:
        Peer.objects.create(country="TJ", url="http://127.0.0.1:9", enrolled_at=timezone.now())
        record(action="test.handler_effect", object_id=message.envelope_id)
        raise RuntimeError("failed halfway")

    with handled_by("case.request", handle):
        body = {"case_ref": "K-3", "kind": "information", "text": "?"}
        envelope = KZ.sign(KZ.envelope(["MD"], type="case.request", body=body))
        outcome = inbox.receive(canonical.dumps(envelope), client_ip="127.0.0.1")
    assert outcome.status == 202
    row = InboundMessage.objects.get(envelope_id=envelope["id"])
    assert (row.state, row.attempts, row.processed_at) == ("failed", 1, None)
    assert row.receipt == outcome.body
    assert not Peer.objects.filter(country="TJ").exists()
    actions = list(
        AuditEntry.objects.filter(object_id=envelope["id"])
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["exchange.received", "exchange.handler_failed"]
    assert verify().ok
