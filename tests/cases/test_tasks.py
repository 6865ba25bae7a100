"""Cases' Celery tasks, called as the worker calls them (ids in, nothing else), against the
real database: what each does, and that running it again (a retry, the next beat of the
schedule) does nothing more. KZ holds the cases; MD is an enrolled peer."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEntry
from cases import tasks
from cases.models import Case, MatchQuery, MatchSetup
from exchange.models import OutboundMessage
from tests import factories
from tests.fednet import FakePeer

MD = FakePeer("MD")


@pytest.fixture
def kz(db: Any, settings: Any, tmp_path: Any) -> None:
    factories.node(settings, tmp_path, "KZ", MD)


def builds() -> int:
    return AuditEntry.objects.filter(action="match.setup_built").count()


def test_the_setup_refresh_builds_nothing_for_a_node_without_indicators(kz: None) -> None:
    assert tasks.refresh_match_setup() == 0
    assert tasks.refresh_match_setup() == 0
    assert not MatchSetup.objects.exists() and builds() == 0


def test_the_setup_refresh_builds_once_per_change_of_the_local_indicators(kz: None) -> None:
    owner = factories.prosecutor("kz.tasks")
    factories.case(owner)
    first = tasks.refresh_match_setup()
    assert first and tasks.refresh_match_setup() == first  # the next beat: the same setup
    assert builds() == 1 and MatchSetup.objects.get().item_count == 3

    factories.case(owner, indicators=[{"kind": "domain", "value": "jobs.example.kz"}])
    second = tasks.refresh_match_setup()
    assert second not in (0, first) and tasks.refresh_match_setup() == second
    assert builds() == 2
    assert list(MatchSetup.objects.values_list("pk", "item_count")) == [(second, 4)]


def test_the_automatic_check_is_queued_only_when_on_and_asks_each_peer_once(
    kz: None, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    owner = factories.coordinator("kz.auto")
    with django_capture_on_commit_callbacks() as off:
        factories.case(owner)
    settings.PRIVATE_MATCH_AUTO = True
    with django_capture_on_commit_callbacks() as on:
        case = factories.case(owner)
    assert len(on) == len(off) + 1  # the auto_match task, after commit
    assert tasks.auto_match(case.pk) == 1
    assert tasks.auto_match(case.pk) == 0  # a retry asks nobody twice
    query = MatchQuery.objects.get(case=case)
    assert (query.peer, query.created_by, len(query.items)) == ("MD", owner, 3)
    assert OutboundMessage.objects.filter(type="match.query").count() == 1


def test_the_automatic_check_of_a_closed_or_vanished_case_asks_nobody(kz: None) -> None:
    owner = factories.coordinator("kz.closed")
    case = factories.case(owner)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)
    assert tasks.auto_match(case.pk) == 0
    assert tasks.auto_match(case.pk + 1000) == 0
    assert not MatchQuery.objects.exists()
