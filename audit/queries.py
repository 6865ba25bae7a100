"""Audit's hand-written statements (run through `net247.db`): the head's advance on any
database, and on PostgreSQL the functions of its migrations (audit_append,
audit_append_all), which lock the head, hash, insert and move the head in one statement."""

from __future__ import annotations

from functools import cache

from audit.models import AuditHead
from net247 import db


@cache
def advance_head(vendor: str) -> str:
    """Lock the head and move `last_seq` on by %s: the new `last_seq` and the `last_hash`
    before the first of those seqs."""
    last_seq, last_hash = db.column(AuditHead, "last_seq"), db.column(AuditHead, "last_hash")
    return (
        f"UPDATE {db.table(AuditHead)} SET {last_seq} = {last_seq} + %s"  # noqa: S608
        f" WHERE {db.column(AuditHead, 'id')} = 1"
        f" RETURNING {last_seq} AS last_seq, {last_hash} AS last_hash"
    )


# One entry: its payload prefix, its columns in audit_append()'s order, details as JSON.
APPEND = (
    "SELECT o_seq, o_prev_hash, o_entry_hash FROM audit_append("
    "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb)"
)

# Entries in order, as one JSON list; one row per entry.
APPEND_ALL = "SELECT o_seq, o_prev_hash, o_entry_hash FROM audit_append_all(%s::jsonb)"
