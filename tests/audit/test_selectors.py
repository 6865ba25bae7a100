"""Audit's reads: who may read the log, the log newest first and its size from the head,
the refused checkpoints; none of them writes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from audit import selectors
from audit.services import record
from tests import factories
from tests.readonly import writes_nothing

pytestmark = pytest.mark.django_db


def test_only_auditors_and_admins_may_read_the_log() -> None:
    may = {
        role: selectors.may_read(factories.user(f"r.{role}", role))
        for role in ("prosecutor", "coordinator", "auditor", "admin")
    }
    assert may == {"prosecutor": False, "coordinator": False, "auditor": True, "admin": True}
    assert not selectors.may_read(AnonymousUser())


def test_the_log_is_newest_first_and_its_size_is_the_head_s() -> None:
    for n in range(3):
        record(action="test.entry", object_id=n)
    with writes_nothing():
        newest = [e.object_id for e in selectors.entries().filter(action="test.entry")]
        total = selectors.entries_total()
    assert newest == ["2", "1", "0"]
    assert total == selectors.entries().count()


def test_refused_checkpoints_are_the_witness_refusals_newest_first() -> None:
    for origin in ("MD", "KG", "UZ"):
        record(action="exchange.refused", peer=origin, details={"type": "audit.checkpoint"})
    record(action="exchange.refused", peer="TJ", details={"type": "case.update"})
    with writes_nothing():
        refused = [e.actor for e in selectors.refused_checkpoints(limit=2)]
    assert refused == ["UZ", "KG"]


def test_filters_go_into_the_read_s_entry_as_text_without_the_empty_ones() -> None:
    since = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    details = selectors.as_details({"since": since, "action": "case.read", "actor": "", "x": None})
    assert details == {"since": "2026-12-01T08:30:00+00:00", "action": "case.read"}
