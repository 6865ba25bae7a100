"""A deadlock victim's action runs again (net247.db.retry_on_conflict), on real PostgreSQL.

Two actions lock the same two peer rows in opposite orders, each in its own thread and
database connection: PostgreSQL aborts one of them (40P01). Without the retry that action
is lost and its caller sees "deadlock detected"; with it, both actions take effect."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from django.db import OperationalError, connection, connections, transaction

from exchange.models import Peer
from net247.db.retry import is_retryable, retry_on_conflict

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: no deadlock to break (DATABASE_URL)")


def _peers() -> tuple[int, int]:
    now = datetime.now(UTC)
    kg = Peer.objects.create(country="KG", url="http://kg.invalid", enrolled_at=now)
    tj = Peer.objects.create(country="TJ", url="http://tj.invalid", enrolled_at=now)
    return kg.pk, tj.pk


def _crossing(first: int, second: int, met: threading.Barrier, runs: list[str], name: str):
    def action() -> None:
        runs.append(name)
        with transaction.atomic():
            Peer.objects.filter(pk=first).update(last_error=f"{name} first")
            if len(runs) <= 2:  # the first run of each: both hold one row, then cross
                met.wait(timeout=10)
            Peer.objects.filter(pk=second).update(last_error=f"{name} second")

    return action


def _run_both(wrap) -> tuple[list[str], list[BaseException]]:
    kg, tj = _peers()
    met = threading.Barrier(2)
    runs: list[str] = []
    errors: list[BaseException] = []

    def thread(action) -> None:
        try:
            wrap(action)()
        except BaseException as exc:  # reported to the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=thread, args=(_crossing(kg, tj, met, runs, "a"),)),
        threading.Thread(target=thread, args=(_crossing(tj, kg, met, runs, "b"),)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return runs, errors


def test_without_the_retry_the_deadlock_victim_loses_its_action():
    runs, errors = _run_both(lambda action: action)
    assert len(errors) == 1 and isinstance(errors[0], OperationalError)
    assert is_retryable(errors[0]), errors[0]
    assert sorted(runs) == ["a", "b"]


def test_the_victim_runs_again_and_both_actions_take_effect():
    runs, errors = _run_both(retry_on_conflict)
    assert errors == []
    assert len(runs) == 3, runs  # the victim ran twice
    victim = runs[2]
    winner = "a" if victim == "b" else "b"
    # The victim's second run came last, so its writes are the ones that stand.
    assert set(Peer.objects.values_list("last_error", flat=True)) == {
        f"{victim} first",
        f"{victim} second",
    }, winner
