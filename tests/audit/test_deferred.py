"""Deferred appending: entries recorded inside `deferred` join the chain when it ends, a
block left by an exception leaves none of its entries, and (PostgreSQL) the head lock is
not held while the block's work runs."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

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
