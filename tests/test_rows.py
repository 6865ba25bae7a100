"""node.rows.insert: one INSERT ... RETURNING, and ON CONFLICT DO NOTHING reports a repeat
without aborting the caller's transaction (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from alerts.models import RemoteAck
from node import rows


def ack(message_id: str, name: str = "A. B.") -> RemoteAck:
    return RemoteAck(
        message_id=message_id,
        envelope_id="7d0f1a6e-0000-4000-8000-00000000000a",
        country="KZ",
        at=timezone.now(),
        by_role="prosecutor",
        by_name=name,
    )


@pytest.mark.django_db
def test_insert_sets_the_primary_key_and_the_auto_now_add_time():
    first = ack("m-1")
    assert rows.insert(first) is True
    stored = RemoteAck.objects.get(pk=first.pk)
    assert stored.message_id == "m-1" and stored.by_name == "A. B."
    assert stored.received_at is not None and stored.at == first.at


@pytest.mark.django_db
def test_a_conflict_is_reported_and_the_transaction_goes_on():
    with transaction.atomic():
        assert rows.insert(ack("m-2"), conflict=("message_id",)) is True
        again = ack("m-2", name="someone else")
        assert rows.insert(again, conflict=("message_id",)) is False
        assert again.pk is None
        # No savepoint was needed: the transaction is still usable.
        assert rows.insert(ack("m-3"), conflict=("message_id",)) is True
    assert list(RemoteAck.objects.order_by("message_id").values_list("message_id", "by_name")) == [
        ("m-2", "A. B."),
        ("m-3", "A. B."),
    ]


@pytest.mark.django_db
def test_insert_all_writes_every_row_and_gives_each_instance_its_own_primary_key():
    batch = [ack(f"m-all-{i}", name=f"N{i}") for i in range(3)]
    assert rows.insert_all(batch) == batch
    assert len({item.pk for item in batch}) == 3
    for item in batch:
        assert RemoteAck.objects.get(pk=item.pk).by_name == item.by_name
        assert item._state.adding is False
    assert rows.insert_all([]) == []
    with pytest.raises(TypeError):
        rows.insert_all([ack("m-x"), "not a model"])  # type: ignore[list-item, type-var]


@pytest.mark.django_db
def test_insert_all_writes_more_rows_than_one_statement_takes():
    batch = [ack(f"m-chunk-{i}") for i in range(rows.CHUNK * 2 + 3)]
    rows.insert_all(batch)
    stored = dict(
        RemoteAck.objects.filter(message_id__startswith="m-chunk-").values_list("pk", "message_id")
    )
    assert stored == {item.pk: item.message_id for item in batch}
