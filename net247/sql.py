"""Hot statements as prepared statements on PostgreSQL (see `fetch`)."""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper


def db() -> BaseDatabaseWrapper:
    """This thread's default connection itself. Hot paths use it instead of Django's
    `connection` proxy, which looks the connection up again on every attribute."""
    return connections[DEFAULT_DB_ALIAS]


def fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run one hot statement and return its rows. On PostgreSQL it is a prepared statement
    with server-side parameters (psycopg prepares it on the connection, which the pool
    keeps): no parse and plan per call, and no quoting of JSON values in Python. Django's
    connection runs client-side binding for everything else (server_side_binding is off:
    some ORM queries need it off). Errors are Django's, as from a Django cursor."""
    connection = db()
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
    import psycopg  # only on PostgreSQL

    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        # pgresult.nfields, not description: that builds a Column object per column.
        result = cursor.pgresult
        return cursor.fetchall() if result is not None and result.nfields else []


def fetch_then_commit(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run one statement, then COMMIT the transaction it ends, and return its rows. On
    PostgreSQL both go in one query string (the values bound client-side), so whatever
    the statement locks is released as soon as the database has committed, without
    waiting for the client in between. If the statement fails the COMMIT is not run; an
    error of either is raised as Django's error, and the caller rolls back."""
    connection = db()
    if connection.vendor != "postgresql":
        rows = fetch(sql, params)
        connection.commit()
        return rows
    import psycopg  # only on PostgreSQL

    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.ClientCursor(connection.connection) as cursor:
        # No parameters: the simple query protocol, which takes several statements.
        cursor.execute(cursor.mogrify(sql, params) + "; COMMIT")
        result = cursor.pgresult
        rows = cursor.fetchall() if result is not None and result.nfields else []
    connection.commit()  # Django's bookkeeping; the database is idle, so no round trip
    return rows
