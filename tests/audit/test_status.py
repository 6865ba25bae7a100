"""The page's verification status: full walks, incremental walks from a checkpoint."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection

from audit import services, status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_checkpoint():
    cache.delete(status.KEY)
    yield
    cache.delete(status.KEY)


def _tamper(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # a superuser switching the trigger off
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def test_later_views_check_only_the_new_entries_from_the_checkpoint():
    for i in range(4):
        services.record(action="test.a", object_id=i)
    first, full_at = status.current()
    assert first.ok and cache.get(status.KEY)["seq"] == first.verified
    services.record(action="test.b")
    second, again = status.current()
    assert second.ok and second.verified == first.verified + 1 and again == full_at
    assert second.root_hash == services.tree_head()["root_hash"]


def test_a_new_entry_that_was_changed_is_caught_incrementally():
    services.record(action="test.a")
    status.current()
    late = services.record(action="test.b")
    _tamper("UPDATE audit_auditentry SET actor = 'x' WHERE seq = %s", [late.seq])
    result, _ = status.current()
    assert (result.ok, result.broken_seq) == (False, late.seq)
    assert cache.get(status.KEY) is None  # the next view walks everything again


def test_a_removed_checkpoint_entry_forces_a_full_walk():
    for i in range(3):
        services.record(action="test.a", object_id=i)
    first, _ = status.current()
    _tamper("DELETE FROM audit_auditentry WHERE seq = %s", [first.verified])
    services.record(action="test.b")
    result, _ = status.current()
    assert (result.ok, result.broken_seq) == (False, first.verified)


def test_an_older_change_shows_at_the_next_full_walk(settings):
    old = services.record(action="test.old")
    services.record(action="test.newer")
    assert status.current()[0].ok
    _tamper("UPDATE audit_auditentry SET outcome = 'denied' WHERE seq = %s", [old.seq])
    assert status.current()[0].ok  # trusted prefix, within AUDIT_FULL_VERIFY_SECONDS
    settings.AUDIT_FULL_VERIFY_SECONDS = 0
    result, _ = status.current()
    assert (result.ok, result.broken_seq) == (False, old.seq)
