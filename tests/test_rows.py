"""net247.db: insert is one INSERT ... RETURNING, and ON CONFLICT DO NOTHING reports a
repeat without aborting the caller's transaction; a model with save signals is refused;
rows come back by column name and load as the ORM loads them (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from alerts.models import RemoteAck
from net247 import db


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
    assert db.insert(first) is True
    stored = RemoteAck.objects.get(pk=first.pk)
    assert stored.message_id == "m-1" and stored.by_name == "A. B."
    assert stored.received_at is not None and stored.at == first.at


@pytest.mark.django_db
def test_a_conflict_is_reported_and_the_transaction_goes_on():
    with transaction.atomic():
        assert db.insert(ack("m-2"), conflict=("message_id",)) is True
        again = ack("m-2", name="someone else")
        assert db.insert(again, conflict=("message_id",)) is False
        assert again.pk is None
        # No savepoint was needed: the transaction is still usable.
        assert db.insert(ack("m-3"), conflict=("message_id",)) is True
    assert list(RemoteAck.objects.order_by("message_id").values_list("message_id", "by_name")) == [
        ("m-2", "A. B."),
        ("m-3", "A. B."),
    ]


@pytest.mark.django_db
def test_insert_all_writes_every_row_and_gives_each_instance_its_own_primary_key():
    batch = [ack(f"m-all-{i}", name=f"N{i}") for i in range(3)]
    assert db.insert_all(batch) == batch
    assert len({item.pk for item in batch}) == 3
    for item in batch:
        assert RemoteAck.objects.get(pk=item.pk).by_name == item.by_name
        assert item._state.adding is False
    assert db.insert_all([]) == []
    with pytest.raises(TypeError):
        db.insert_all([ack("m-x"), "not a model"])  # type: ignore[list-item, type-var]


@pytest.mark.django_db
def test_insert_all_writes_more_rows_than_one_statement_takes():
    batch = [ack(f"m-chunk-{i}") for i in range(db.CHUNK * 2 + 3)]
    db.insert_all(batch)
    stored = dict(
        RemoteAck.objects.filter(message_id__startswith="m-chunk-").values_list("pk", "message_id")
    )
    assert stored == {item.pk: item.message_id for item in batch}


@pytest.mark.django_db
@pytest.mark.parametrize("signal", [pre_save, post_save], ids=["pre_save", "post_save"])
def test_a_model_with_save_signals_is_refused_and_nothing_is_written(signal):
    def receiver(**kwargs):
        pass

    signal.connect(receiver, sender=RemoteAck, dispatch_uid="test_rows.refused")
    try:
        with pytest.raises(db.SaveSignalsError, match=r"alerts\.RemoteAck"):
            db.insert(ack("m-signal"))
        with pytest.raises(db.SaveSignalsError):
            db.insert_all([ack("m-signal-all")])
    finally:
        signal.disconnect(sender=RemoteAck, dispatch_uid="test_rows.refused")
    assert not RemoteAck.objects.filter(message_id__startswith="m-signal").exists()
    assert db.insert(ack("m-signal")) is True  # the receiver gone, the model is accepted


@pytest.mark.django_db
def test_rows_come_back_by_column_name_and_load_as_the_orm_loads_them():
    first, second = ack("m-load-1"), ack("m-load-2", name="C. D.")
    db.insert_all([first, second])
    vendor = db.vendor()
    found = db.fetch(
        f"SELECT {db.columns(RemoteAck, 'r', 'ack__')} FROM {db.table(RemoteAck)} r"  # noqa: S608
        f" WHERE {db.any_of('r.' + db.column(RemoteAck, 'id'), 'bigint', vendor)}"
        f" ORDER BY r.{db.column(RemoteAck, 'message_id')}",
        [db.list_param([first.pk, second.pk], vendor)],
    )
    assert [row["ack__message_id"] for row in found] == ["m-load-1", "m-load-2"]
    loaded = [db.load(RemoteAck, row, "ack__") for row in found]
    orm = list(RemoteAck.objects.filter(pk__in=[first.pk, second.pk]).order_by("message_id"))
    for mine, theirs in zip(loaded, orm, strict=True):
        assert mine.pk == theirs.pk and mine.by_name == theirs.by_name
        assert mine.at == theirs.at and mine.received_at == theirs.received_at  # datetimes
        assert mine._state.adding is False


@pytest.mark.django_db
def test_pairs_select_each_pair_passed():
    vendor = db.vendor()
    items = [("phone", "+37360000001"), ("domain", "example.org")]
    found = db.fetch(
        f"SELECT COUNT(*) AS n FROM ({db.pairs(vendor)}) AS x",  # noqa: S608
        db.pairs_params(items, vendor),
    )
    assert found == [{"n": 2}]
