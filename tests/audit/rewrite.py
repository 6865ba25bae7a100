"""Rewrite the log as the review did: delete entries, re-hash the chain after them with
the project's own code (`audit.chain`) and move the head. `audit verify` alone then
passes; only a head kept elsewhere shows the rewrite."""

from __future__ import annotations

from collections.abc import Collection

from django.db import connection, transaction

from audit import chain
from audit.models import AuditEntry, AuditHead


def rewrite_without(seqs: Collection[int]) -> None:
    """Drop the entries `seqs` and renumber and re-hash every later one, in the database.

    On PostgreSQL only a superuser can (the append-only trigger is switched off for the
    transaction, replica mode); the test user is one.
    """
    kept = [e for e in AuditEntry.objects.order_by("seq") if e.seq not in set(seqs)]
    prev = chain.GENESIS
    for seq, entry in enumerate(kept, start=1):
        entry.seq, entry.prev_hash = seq, prev
        entry.entry_hash = prev = chain.entry_digest(prev, chain.entry_fields(entry))
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM audit_auditentry")
        AuditEntry.objects.bulk_create(kept)
        AuditHead.objects.filter(id=1).update(last_seq=len(kept), last_hash=prev)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")
