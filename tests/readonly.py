"""`writes_nothing()`: the block it wraps sends the database no INSERT, UPDATE or DELETE
(selectors read; a read that is recorded is a service)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.test.utils import CaptureQueriesContext

WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def writes_nothing() -> Iterator[None]:
    with CaptureQueriesContext(connection) as queries:
        yield
    statements = [q["sql"] for q in queries.captured_queries]
    assert statements, "nothing was read: the block proves nothing"
    assert [s for s in statements if s.lstrip().upper().startswith(WRITES)] == []
