"""Hot statements as prepared statements on PostgreSQL (see `fetch`)."""

from __future__ import annotations

from typing import Any

from django.db import connection


def fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run one hot statement and return its rows. On PostgreSQL it is a prepared statement
    with server-side parameters (psycopg prepares it on the connection, which the pool
    keeps): no parse and plan per call, and no quoting of JSON values in Python. Django's
    connection runs client-side binding for everything else (server_side_binding is off:
    some ORM queries need it off). Errors are Django's, as from a Django cursor."""
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
