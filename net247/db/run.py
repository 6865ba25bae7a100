"""Running one statement: prepared on PostgreSQL, rows as dicts keyed by column name."""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

Row = dict[str, Any]


def connection() -> BaseDatabaseWrapper:
    """This thread's default connection itself. Hot paths use it instead of Django's
    `connection` proxy, which looks the connection up again on every attribute."""
    return connections[DEFAULT_DB_ALIAS]


def vendor() -> str:
    """`postgresql` or `sqlite`: the key of the statement builders' caches."""
    return connection().vendor


def fetch(sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[Row]:
    """Run one statement and return its rows by column name. On PostgreSQL it is a
    prepared statement with server-side parameters (psycopg prepares it on the
    connection, which the pool keeps): no parse and plan per call, and no quoting of
    JSON values in Python. Django's connection runs client-side binding for everything
    else (server_side_binding is off: some ORM queries need it off). Errors are
    Django's, as from a Django cursor."""
    wrapper = connection()
    if wrapper.vendor != "postgresql":
        with wrapper.cursor() as cursor:
            cursor.execute(sql, params)
            if not cursor.description:
                return []
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    import psycopg  # only on PostgreSQL
    from psycopg.rows import dict_row

    wrapper.ensure_connection()
    with (
        wrapper.wrap_database_errors,
        psycopg.Cursor(wrapper.connection, row_factory=dict_row) as cursor,
    ):
        cursor.execute(sql, params, prepare=True)
        # pgresult.nfields, not description: that builds a Column object per column.
        result = cursor.pgresult
        return cursor.fetchall() if result is not None and result.nfields else []


def fetch_then_commit(sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[Row]:
    """Run one statement, then COMMIT the transaction it ends, and return its rows. On
    PostgreSQL both go in one query string (the values bound client-side), so whatever
    the statement locks is released as soon as the database has committed, without
    waiting for the client in between. If the statement fails the COMMIT is not run; an
    error of either is raised as Django's error, and the caller rolls back."""
    wrapper = connection()
    if wrapper.vendor != "postgresql":
        rows = fetch(sql, params)
        wrapper.commit()
        return rows
    import psycopg  # only on PostgreSQL
    from psycopg.rows import dict_row

    wrapper.ensure_connection()
    with (
        wrapper.wrap_database_errors,
        psycopg.ClientCursor(wrapper.connection, row_factory=dict_row) as cursor,
    ):
        # No parameters: the simple query protocol, which takes several statements.
        cursor.execute(cursor.mogrify(sql, params) + "; COMMIT")
        result = cursor.pgresult
        rows = cursor.fetchall() if result is not None and result.nfields else []
    wrapper.commit()  # Django's bookkeeping; the database is idle, so no round trip
    return rows
