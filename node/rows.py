"""One-statement inserts for the federation's hot paths: the inbox (the message, and its
handlers' rows: an acknowledgement, a received item and its indicators, an alert, its
pages and step runs) and the sender (a signed message and its outbox rows).

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


# Rows per multi-row statement: keeps the cached statements few (one per model and row
# count up to this) and the parameters far below SQLite's and PostgreSQL's limits.
CHUNK = 100


@cache
def _head(model: type[models.Model], vendor: str) -> tuple[str, list[models.Field[Any, Any]], str]:
    """`INSERT INTO table (columns)`, its fields in order, and ` RETURNING pk` (names
    quoted for `vendor`)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column or f.attname) for f in fields)
    pk = quote(model._meta.pk.column or "id") if model._meta.pk else "id"
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns})"
    return head, fields, f" RETURNING {pk}"


def _row(fields: list[Any]) -> str:
    return "(" + ", ".join(["%s"] * len(fields)) + ")"


@cache
def _statement(
    model: type[models.Model], conflict: tuple[str, ...], vendor: str
) -> tuple[str, list[models.Field[Any, Any]]]:
    head, fields, returning = _head(model, vendor)
    quote = connection.ops.quote_name
    by_name = {f.name: f for f in fields}
    targets = ", ".join(quote(by_name[name].column or name) for name in conflict)
    on_conflict = f" ON CONFLICT ({targets}) DO NOTHING" if conflict else ""
    return f"{head} VALUES {_row(fields)}{on_conflict}{returning}", fields


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
    head, fields, returning = _head(model, vendor)
    return f"{head} VALUES {', '.join([_row(fields)] * count)}{returning}"


def insert_all(instances: Sequence[M]) -> list[M]:
    """Insert instances of one model and set their pks, as bulk_create does (rows come
    back in VALUES order on both databases) without building the query each time: one
    cached statement per model and number of rows, CHUNK rows at most per statement."""
    if not instances:
        return []
    model = type(instances[0])
    if any(type(instance) is not model for instance in instances):
        raise TypeError("insert_all takes instances of one model")
    connection = db()
    _head_sql, fields, _returning = _head(model, connection.vendor)
    for start in range(0, len(instances), CHUNK):
        chunk = instances[start : start + CHUNK]
        params = [value for instance in chunk for value in _values(instance, fields, connection)]
        found = fetch(_statement_all(model, len(chunk), connection.vendor), params)
        if len(found) != len(chunk):
            raise RuntimeError(f"{len(chunk)} rows inserted, {len(found)} returned")
        for instance, (pk,) in zip(chunk, found, strict=True):
            _stored(instance, pk, connection)
    return list(instances)
