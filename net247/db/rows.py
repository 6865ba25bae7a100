"""Model rows without the ORM's per-call query building, for the federation's hot paths:
the inbox (the message, and its handlers' rows: an acknowledgement, a received item and
its indicators, an alert, its pages and step runs) and the sender (a signed message and
its outbox rows).

Model.save() costs about 0.3 ms of Python per row here (SQL compiled per call), and a
unique conflict inside a transaction needs a savepoint to survive. `insert` writes a
model instance with one cached INSERT ... RETURNING, and with `conflict` it is
ON CONFLICT DO NOTHING: a row already there is reported, not raised. Fields are
prepared as the ORM prepares them (get_db_prep_save). No save signals are sent, so a
model with pre_save or post_save receivers is refused (`SaveSignalsError`): its
receivers would silently not run. SQLite 3.35+ and PostgreSQL.

`load` is the way back: a model instance from a row's named columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.signals import post_save, pre_save

from net247.db.names import quote
from net247.db.run import connection, fetch

M = TypeVar("M", bound=models.Model)

# Rows per multi-row statement: keeps the cached statements few (one per model and row
# count up to this) and the parameters far below SQLite's and PostgreSQL's limits.
CHUNK = 100


class SaveSignalsError(TypeError):
    """`insert`/`insert_all` were given a model that has save signal receivers."""


def _refuse_signals(model: type[models.Model]) -> None:
    # Both signals cache their receivers per sender, so this is two dict lookups.
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        raise SaveSignalsError(
            f"{model._meta.label} has pre_save/post_save receivers, which net247.db.insert"
            " would skip: save it through the ORM"
        )


@cache
def _head(model: type[models.Model], vendor: str) -> tuple[str, list[models.Field[Any, Any]], str]:
    """`INSERT INTO table (columns)`, its fields in order, and ` RETURNING pk AS pk`."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(quote(f.column or f.attname) for f in fields)
    pk = quote((model._meta.pk.column if model._meta.pk else None) or "id")
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns})"
    return head, fields, f" RETURNING {pk} AS pk"


def _row(fields: list[Any]) -> str:
    return "(" + ", ".join(["%s"] * len(fields)) + ")"


@cache
def _statement(
    model: type[models.Model], conflict: tuple[str, ...], vendor: str
) -> tuple[str, list[models.Field[Any, Any]]]:
    head, fields, returning = _head(model, vendor)
    by_name = {f.name: f for f in fields}
    targets = ", ".join(quote(by_name[name].column or name) for name in conflict)
    on_conflict = f" ON CONFLICT ({targets}) DO NOTHING" if conflict else ""
    return f"{head} VALUES {_row(fields)}{on_conflict}{returning}", fields


def insert(instance: models.Model, *, conflict: tuple[str, ...] = ()) -> bool:
    """Insert `instance` and set its pk; True. With `conflict` (the fields of a unique
    constraint), False when a row with the same values exists already."""
    model = type(instance)
    _refuse_signals(model)
    wrapper = connection()
    sql, fields = _statement(model, conflict, wrapper.vendor)
    found = fetch(sql, _values(instance, fields, wrapper))
    if not found:
        return False
    _stored(instance, found[0]["pk"], wrapper)
    return True


def _values(instance: models.Model, fields: list[Any], wrapper: BaseDatabaseWrapper) -> list[Any]:
    # pre_save as the ORM does it: auto_now(_add) fields take their time here.
    return [f.get_db_prep_save(f.pre_save(instance, True), wrapper) for f in fields]


def _stored(instance: models.Model, pk: Any, wrapper: BaseDatabaseWrapper) -> None:
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = wrapper.alias


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
    _refuse_signals(model)
    wrapper = connection()
    _head_sql, fields, _returning = _head(model, wrapper.vendor)
    for start in range(0, len(instances), CHUNK):
        chunk = instances[start : start + CHUNK]
        params = [value for instance in chunk for value in _values(instance, fields, wrapper)]
        found = fetch(_statement_all(model, len(chunk), wrapper.vendor), params)
        if len(found) != len(chunk):
            raise RuntimeError(f"{len(chunk)} rows inserted, {len(found)} returned")
        for instance, row in zip(chunk, found, strict=True):
            _stored(instance, row["pk"], wrapper)
    return list(instances)


@cache
def _converters(model: type[models.Model], vendor: str) -> list[tuple[str, Any, list[Any]]]:
    """Per concrete field: its attname, its column and the converters the ORM applies."""
    wrapper = connection()
    result = []
    for field in model._meta.concrete_fields:
        col = field.get_col(model._meta.db_table)
        converters = wrapper.ops.get_db_converters(col) + col.get_db_converters(wrapper)
        result.append((field.attname, col, converters))
    return result


def load(model: type[M], row: Mapping[str, Any], prefix: str = "") -> M:
    """A model instance from the columns `prefix + attname` of a row (the select list of
    `net247.db.columns(model, alias, prefix)`), converted as the ORM does (SQLite hands
    back datetimes as text, JSON as a string)."""
    wrapper = connection()
    names, values = [], []
    for attname, col, converters in _converters(model, wrapper.vendor):
        value = row[prefix + attname]
        for convert in converters:
            value = convert(value, col, wrapper)
        names.append(attname)
        values.append(value)
    return model.from_db(wrapper.alias, names, values)
