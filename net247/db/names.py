"""Table and column names in statements, quoted one way: the connection's quote_name
(double quotes on PostgreSQL and SQLite). Only names from the models are formatted into
statements; values are always parameters."""

from __future__ import annotations

from django.db import models

from net247.db.run import connection


def quote(name: str) -> str:
    return connection().ops.quote_name(name)


def table(model: type[models.Model]) -> str:
    """The model's table, quoted."""
    return quote(model._meta.db_table)


def column(model: type[models.Model], field: str) -> str:
    """The column of the model's field `field` (its name or attname), quoted."""
    found = model._meta.get_field(field)
    return quote(getattr(found, "column", None) or field)


def columns(model: type[models.Model], alias: str = "", prefix: str = "") -> str:
    """Every concrete column of the model, `alias.column AS "prefix + attname"`: the
    select list that `load(model, row, prefix)` reads back by name."""
    head = f"{alias}." if alias else ""
    return ", ".join(
        f"{head}{quote(f.column or f.attname)} AS {quote(prefix + f.attname)}"
        for f in model._meta.concrete_fields
    )
