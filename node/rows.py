"""One-statement inserts for the federation inbox's hot path (the message, and its
handlers' rows: an acknowledgement, a received item and its indicators, an alert, its
pages and step runs).

Model.save() costs about 0.3 ms of Python per row here (SQL compiled per call), and a
unique conflict inside a transaction needs a savepoint to survive. `insert` writes a
model instance with one cached INSERT ... RETURNING, and with `conflict` it is
ON CONFLICT DO NOTHING: a row already there is reported, not raised. Fields are
prepared as the ORM prepares them (get_db_prep_save); no save signals are sent, so use
it only for models that have none. SQLite 3.35+ and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import connection, models

from net247.sql import db, fetch

M = TypeVar("M", bound=models.Model)


@cache
def _statement(
    model: type[models.Model], conflict: tuple[str, ...], vendor: str
) -> tuple[str, list[models.Field[Any, Any]]]:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column or f.attname) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    by_name = {f.name: f for f in fields}
    targets = ", ".join(quote(by_name[name].column or name) for name in conflict)
    on_conflict = f" ON CONFLICT ({targets}) DO NOTHING" if conflict else ""
    pk = quote(model._meta.pk.column or "id") if model._meta.pk else "id"
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608
    return f"{sql}{on_conflict} RETURNING {pk}", fields


def insert(instance: models.Model, *, conflict: tuple[str, ...] = ()) -> bool:
    """Insert `instance` and set its pk; True. With `conflict` (the fields of a unique
    constraint), False when a row with the same values exists already."""
    model = type(instance)
    connection = db()
    sql, fields = _statement(model, conflict, connection.vendor)
    found = fetch(sql, _values(instance, fields, connection))
    if not found:
        return False
    _stored(instance, found[0][0], connection)
    return True


def _values(instance: models.Model, fields: list[Any], connection: Any) -> list[Any]:
    # pre_save as the ORM does it: auto_now(_add) fields take their time here.
    return [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]


def _stored(instance: models.Model, pk: Any, connection: Any) -> None:
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = connection.alias


@cache
def _statement_all(model: type[models.Model], count: int, vendor: str) -> str:
    single, fields = _statement(model, (), vendor)
    head, _, returning = single.partition(" VALUES ")
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    returning = returning[returning.index(" RETURNING ") :]
    return f"{head} VALUES {', '.join([row] * count)}{returning}"


def insert_all(instances: Sequence[M]) -> list[M]:
    """Insert instances of one model with one statement and set their pks, as
    bulk_create does (rows come back in VALUES order on both databases) without building
    the query each time: one cached statement per model and number of rows."""
    if not instances:
        return []
    model = type(instances[0])
    if any(type(instance) is not model for instance in instances):
        raise TypeError("insert_all takes instances of one model")
    connection = db()
    _single, fields = _statement(model, (), connection.vendor)
    params = [value for instance in instances for value in _values(instance, fields, connection)]
    found = fetch(_statement_all(model, len(instances), connection.vendor), params)
    if len(found) != len(instances):
        raise RuntimeError(f"{len(instances)} rows inserted, {len(found)} returned")
    for instance, (pk,) in zip(instances, found, strict=True):
        _stored(instance, pk, connection)
    return list(instances)
