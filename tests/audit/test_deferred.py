"""Deferred appending: entries recorded inside `deferred` join the chain when it ends, a
block left by an exception leaves none of its entries, and (PostgreSQL) the head lock is
not held while the block's work runs. `audited_transaction` commits rows and entries
together, or neither."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from audit import services
from audit.models import AuditEntry
from audit.verify import verify


def recorded_actions() -> list[str]:
    """The actions of this file's entries, in chain order."""
    return list(
        AuditEntry.objects.filter(action__startswith="test.")
        .order_by("seq")
        .values_list("action", flat=True)
    )


@pytest.mark.django_db
def test_entries_join_the_chain_in_order_when_the_outermost_block_ends():
    with transaction.atomic(), services.deferred():
        services.record(action="test.first")
        with services.deferred():
            services.record(action="test.inner")
        assert not AuditEntry.objects.filter(action__startswith="test.").exists()
        services.record(action="test.last", details={"title": "Вербовка", "n": [1, None]})
    assert recorded_actions() == ["test.first", "test.inner", "test.last"]
    # What was hashed is what is stored (on PostgreSQL the three go in one call, as JSON).
    last = AuditEntry.objects.get(action="test.last")
    assert last.details == {"title": "Вербовка", "n": [1, None]}
    assert verify().ok


@pytest.mark.django_db
def test_a_block_left_by_an_exception_drops_only_its_own_entries():
    with transaction.atomic(), services.deferred():
        services.record(action="test.kept")
        with pytest.raises(RuntimeError), transaction.atomic(), services.deferred():
            services.record(action="test.undone")
            raise RuntimeError("the handler failed")
        services.record(action="test.failure_noted")
    assert recorded_actions() == ["test.kept", "test.failure_noted"]
    assert verify().ok


@pytest.mark.django_db(transaction=True)
def test_another_writer_is_not_queued_behind_a_deferred_block():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time whatever the audit log does")
    inside = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def long_action() -> None:
        try:
            with transaction.atomic(), services.deferred():
                services.record(action="test.long")
                inside.set()
                assert release.wait(timeout=30)  # the action's work is still running
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=long_action)
    thread.start()
    assert inside.wait(timeout=30)
    try:
        # Without deferral this would wait for the head lock until long_action commits.
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        services.record(action="test.meanwhile")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
        release.set()
        thread.join(timeout=30)
    assert not errors, errors
    assert recorded_actions() == ["test.meanwhile", "test.long"]
    assert verify().ok


# audited_transaction: outside any transaction it runs its own (transaction=True here, so
# that the tests see that path); on PostgreSQL the entries go with the COMMIT.


_hooks: list[str] = []  # what on_commit callbacks of the tests below ran


@pytest.mark.django_db(transaction=True)
def test_an_audited_transaction_commits_its_rows_and_entries_together():
    from exchange.models import Peer

    _hooks.clear()
    with services.audited_transaction():
        Peer.objects.create(country="TJ", url="http://127.0.0.1:9", enrolled_at=timezone.now())
        first = services.record(action="test.audited.first")
        last = services.record(action="test.audited.last", details={"title": "Вербовка"})
        transaction.on_commit(lambda: _hooks.append("committed"))
        assert not AuditEntry.objects.filter(action__startswith="test.").exists()
    assert connection.get_autocommit() and not connection.in_atomic_block
    assert Peer.objects.filter(country="TJ").exists()
    assert recorded_actions() == ["test.audited.first", "test.audited.last"]
    assert last.seq == first.seq + 1 and last.prev_hash == first.entry_hash
    assert AuditEntry.objects.get(seq=last.seq).entry_hash == last.entry_hash
    assert _hooks == ["committed"]
    assert verify().ok


@pytest.mark.django_db(transaction=True)
def test_an_audited_transaction_left_by_an_exception_leaves_nothing():
    from exchange.models import Peer

    _hooks.clear()
    with pytest.raises(RuntimeError), services.audited_transaction():
        Peer.objects.create(country="TJ", url="http://127.0.0.1:9", enrolled_at=timezone.now())
        services.record(action="test.audited.undone")
        transaction.on_commit(lambda: _hooks.append("committed"))
        raise RuntimeError("the handler failed")
    assert connection.get_autocommit() and not connection.in_atomic_block
    assert not Peer.objects.filter(country="TJ").exists()
    assert recorded_actions() == [] and _hooks == []
    services.record(action="test.audited.after")  # the connection is usable
    assert recorded_actions() == ["test.audited.after"]
    assert verify().ok


@pytest.mark.django_db(transaction=True)
def test_a_commit_that_fails_rolls_back_the_entries_sent_with_it():
    """A foreign key is checked at COMMIT (Django makes them deferrable), so the error
    comes back from the round trip that also carried the entries."""
    from django.db import IntegrityError

    from exchange.models import PeerKey

    with pytest.raises(IntegrityError), services.audited_transaction():
        PeerKey.objects.create(peer_id=987654321, key_id="XX:none", public_key="A" * 43)
        services.record(action="test.audited.failed_commit")
    assert connection.get_autocommit() and not connection.in_atomic_block
    assert recorded_actions() == []
    assert not PeerKey.objects.filter(key_id="XX:none").exists()
    services.record(action="test.audited.after")
    assert recorded_actions() == ["test.audited.after"]
    assert verify().ok


@pytest.mark.django_db
def test_inside_another_transaction_it_is_deferred_appending():
    with transaction.atomic():
        with services.audited_transaction():
            services.record(action="test.audited.nested")
        assert recorded_actions() == ["test.audited.nested"]
    assert verify().ok
