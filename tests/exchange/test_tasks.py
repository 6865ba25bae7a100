"""The exchange's Celery tasks, called as the worker calls them, against the real database:
what each changes, and that running it again (a retry, two beats of the schedule)
changes nothing more. KZ is enrolled at an address nothing listens on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from exchange import services, signals, tasks
from exchange.models import (
    InboundMessage,
    InboundState,
    OutboundMessage,
    OutboxEntry,
    OutboxStatus,
    Peer,
)
from tests import factories
from tests.fednet import FakePeer

KZ = FakePeer("KZ")
UPDATE = {"case_ref": "MD-2026-0001", "changes": {"status": "open"}}


@pytest.fixture
def md(db: Any, settings: Any, tmp_path: Any) -> None:
    factories.node(settings, tmp_path, "MD", KZ)
    # Tasks the sweep queues go to Celery's in-memory broker, which nothing consumes here:
    # the test runs each task itself.
    settings.BACKGROUND = "celery"


@pytest.fixture
def heard() -> Iterator[dict[str, list[dict[str, Any]]]]:
    """What the sweep signalled, by signal name."""
    seen: dict[str, list[dict[str, Any]]] = {"overdue": [], "failed": []}

    def receiver(name: str) -> Callable[..., None]:
        return lambda sender, **kw: seen[name].append(kw)

    overdue, failed = receiver("overdue"), receiver("failed")
    signals.delivery_overdue.connect(overdue, weak=False)
    signals.delivery_failed.connect(failed, weak=False)
    yield seen
    signals.delivery_overdue.disconnect(overdue)
    signals.delivery_failed.disconnect(failed)


def queued(urgency: str = "routine", age: timedelta = timedelta(0)) -> OutboxEntry:
    message = services.message_send(type="case.update", to=["KZ"], body=dict(UPDATE))
    OutboundMessage.objects.filter(pk=message.pk).update(
        urgency=urgency, created_at=timezone.now() - age
    )
    return OutboxEntry.objects.get(message=message)


def audited(action: str) -> int:
    return AuditEntry.objects.filter(action=action).count()


def sweep_twice(capture: Any) -> None:
    """Two sweeps, with whatever each leaves for after its commits run."""
    for _ in range(2):
        with capture(execute=True):
            tasks.sweep_outbox()


def test_the_sweep_signals_an_urgent_message_overdue_once(
    md: None, heard: dict[str, list[dict[str, Any]]], django_capture_on_commit_callbacks: Any
) -> None:
    late = queued("urgent", timedelta(minutes=16))
    routine = queued("routine", timedelta(minutes=16))
    fresh = queued("urgent")

    sweep_twice(django_capture_on_commit_callbacks)

    late.refresh_from_db()
    assert late.overdue_signalled_at is not None and late.status == OutboxStatus.QUEUED
    assert OutboxEntry.objects.get(pk=routine.pk).overdue_signalled_at is None
    assert OutboxEntry.objects.get(pk=fresh.pk).overdue_signalled_at is None
    assert [(s["destination"], s["envelope_id"]) for s in heard["overdue"]] == [
        ("KZ", late.message.envelope_id)
    ]
    assert audited("exchange.delivery_overdue") == 1


def test_the_sweep_gives_up_on_a_message_undelivered_for_30_days_once(
    md: None, heard: dict[str, list[dict[str, Any]]], django_capture_on_commit_callbacks: Any
) -> None:
    old = queued("routine", timedelta(days=31))
    young = queued("routine", timedelta(days=29))

    sweep_twice(django_capture_on_commit_callbacks)

    old.refresh_from_db()
    assert old.status == OutboxStatus.FAILED and old.failed_at is not None
    assert OutboxEntry.objects.get(pk=young.pk).status == OutboxStatus.QUEUED
    assert [s["envelope_id"] for s in heard["failed"]] == [old.message.envelope_id]
    assert audited("exchange.delivery_failed") == 1


def test_the_sweep_only_asks_for_runs_it_does_not_deliver_itself(md: None) -> None:
    entry = queued()
    tasks.sweep_outbox()
    tasks.sweep_outbox()
    entry.refresh_from_db()
    assert (entry.status, entry.attempts, entry.leased_until) == (OutboxStatus.QUEUED, 0, None)


@pytest.mark.django_db(transaction=True)
def test_a_run_to_a_peer_that_does_not_answer_backs_off_once(settings: Any, tmp_path: Any) -> None:
    """deliver_peer posts from worker threads (their own connections: committed rows)."""
    factories.node(settings, tmp_path, "MD", KZ)
    settings.BACKGROUND = "celery"
    entry = queued()

    assert tasks.deliver_peer("KZ") == 0
    entry.refresh_from_db()
    peer = Peer.objects.get(country="KZ")
    assert entry.status == OutboxStatus.QUEUED and entry.attempts == 1
    assert entry.next_attempt_at > timezone.now() and entry.last_error
    assert peer.failing_since is not None and peer.backoff_level == 1

    # Again at once (a retried task, the sweep's run): nothing is due, nothing is posted.
    assert tasks.deliver_peer("KZ") == 0
    assert OutboxEntry.objects.get(pk=entry.pk).attempts == 1
    assert Peer.objects.get(country="KZ").backoff_level == 1
    assert tasks.deliver(entry.pk) == 0
    assert OutboxEntry.objects.get(pk=entry.pk).attempts == 1


def test_the_sweep_applies_a_waiting_message_once_what_it_waited_for_is_there(md: None) -> None:
    """A case.update that came before its notification waits (handlers.NotYet); the sweep
    retries it, applies it once the notification's item exists, and never again."""
    update = KZ.envelope(["MD"], body={"case_ref": "KZ-2026-0071", "changes": {"title": "New"}})
    assert factories.signed_post(KZ, update).status_code == 202
    message = InboundMessage.objects.get(envelope_id=update["id"])
    assert message.state == InboundState.WAITING

    tasks.sweep_outbox()  # still nothing to apply it to
    assert InboundMessage.objects.get(pk=message.pk).state == InboundState.WAITING

    # Written directly, not through the inbox: nothing but the sweep retries the update.
    item = factories.inbound_item(origin="KZ", thread=update["thread"])
    tasks.sweep_outbox()
    tasks.sweep_outbox()

    item.refresh_from_db()
    assert InboundMessage.objects.get(pk=message.pk).state == InboundState.PROCESSED
    assert item.title == "New" and len(item.updates) == 1
