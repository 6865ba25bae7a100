"""The one place every app records what happened. Views never write entries.

Appending (`record`): the writer takes the row lock on the head (`AuditHead`, one row),
draws the next seq, hashes the entry over the previous entry's hash, inserts it and
moves the head. The lock is held until the caller's transaction ends, so concurrent
writers queue up behind it: the sequence has no gaps (a rolled-back action rolls back
its seq too) and the chain never forks. On PostgreSQL all of it is one call of the
audit_append() function (one round trip; see migration 0003); elsewhere it is three
statements, for one entry or a whole `deferred` block (the head moves once by its
count). `at` is taken when `record` is called, before waiting for the lock, so under
contention the times of neighbouring entries may be a few milliseconds out of seq
order; seq is the order of the log.

Deferred appending (`deferred`): inside it, `record` builds the entry at once (time,
actor, request) but appends it when the outermost `deferred` block ends, just before the
caller commits, all in one round trip on PostgreSQL (audit_append_all, migration 0004).
The head lock is then held for the appends and the commit only, not for the whole
action: the federation inbox stores a message and runs its handler (an alert, an
escalation step) in one transaction, and would otherwise queue every other writer of
the node behind that handler.

Reading the tree (`tree_head`, `inclusion_proof`, `consistency_proof`): RFC 9162 over
the entries' hashes in seq order, leaf index = seq - 1, read from cached subtrees plus
a few leaves (`audit.tree`; appending never touches that cache). Signing a tree head is the
exchange app's business (it holds the node key); this app offers the unsigned head.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypedDict

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit import chain, context, queries, tree
from audit.models import AuditEntry, AuditHead
from net247 import db

SECRET_KEYS = {"password", "token", "secret", "otp", "private_key", "seed"}


_pending = threading.local()  # a stack of lists of entries, one per open `deferred` block


@contextmanager
def _collecting() -> Iterator[list[AuditEntry]]:
    """Collect the entries recorded inside (nested blocks hand theirs to the outer one);
    the caller appends what it yields. An exception drops the block's entries."""
    stack: list[list[AuditEntry]] = _pending.__dict__.setdefault("stack", [])
    entries: list[AuditEntry] = []
    stack.append(entries)
    try:
        yield entries
    finally:
        stack.pop()


@contextmanager
def deferred() -> Iterator[None]:
    """Append the entries recorded inside when the outermost block ends (use it inside
    the transaction, around its work). A block left by an exception drops its own entries,
    so wrap a savepoint that may roll back in a block of its own."""
    with _collecting() as entries:
        yield
    stack = _pending.__dict__["stack"]
    if stack:
        stack[-1].extend(entries)
        return
    if not entries:
        return
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            _append_all_postgresql(entries)
        else:
            _append_all_portable(entries)


@contextmanager
def audited_transaction() -> Iterator[None]:
    """A transaction whose entries are appended as `deferred` does, and on PostgreSQL sent
    together with its COMMIT: one round trip for both.

    Appending takes the audit head's row lock, which every writer of the node queues
    behind until the holder commits. With the COMMIT in a later round trip the lock was
    also held while the client read the append's answer and sent the COMMIT; under load
    that wait, not the work, was what the inbox's transactions queued behind. Inside
    another transaction, or on another database, it is atomic() with deferred().
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        with transaction.atomic(), deferred():
            yield
        return
    transaction.set_autocommit(False)
    try:
        # savepoint=False: the outermost block of a manual transaction would take one.
        with transaction.atomic(savepoint=False), _collecting() as entries:
            yield
        if entries:
            _append_all_postgresql(entries, commit=True)
        else:
            transaction.commit()
    except BaseException:
        if connection.connection is not None:
            try:
                transaction.rollback()
            except DatabaseError:  # the connection broke: drop it, as Django's atomic does
                connection.close()
        raise
    finally:
        if connection.connection is not None:  # a new connection starts in autocommit
            transaction.set_autocommit(True)


def _append(entry: AuditEntry) -> None:
    if connection.vendor == "postgresql":
        _append_postgresql(entry)
    else:
        _append_portable(entry)


def _scrub(details: dict[str, Any]) -> dict[str, Any]:
    return {k: ("[redacted]" if k.lower() in SECRET_KEYS else v) for k, v in details.items()}


def _actor_of(actor: Any, peer: str) -> tuple[str, str, str]:
    if peer:
        return peer, "peer", ""
    if actor is None:
        request = context.get().request
        user = getattr(request, "user", None) if request is not None else None
        if user is not None and getattr(user, "is_authenticated", False):
            actor = user
    if actor is None:
        return "", "system", ""
    # A non-person actor (a blocking registry's token) names its own kind.
    kind = str(getattr(actor, "audit_actor_kind", "user"))
    return str(actor.get_username()), kind, str(getattr(actor, "role", ""))


def entry_fields(entry: AuditEntry) -> dict[str, Any]:
    """Kept for callers of the first version; the definition lives in `chain`."""
    return chain.entry_fields(entry)


def _advance_head(count: int = 1) -> tuple[int, str]:
    """Lock the head and take the next `count` seqs: the last one and the hash before the
    first; creates the head on a fresh database."""
    statement = queries.advance_head(db.vendor())
    found = db.fetch(statement, [count])
    if not found:
        AuditHead.objects.get_or_create(id=1)
        found = db.fetch(statement, [count])
    return int(found[0]["last_seq"]), str(found[0]["last_hash"])


def _append_portable(entry: AuditEntry) -> None:
    """Any database: three statements in one transaction."""
    _append_all_portable([entry])


def _append_all_portable(entries: list[AuditEntry]) -> None:
    """Any database: `entries` in order with three statements in one transaction, however
    many they are (the head moves once, the rows go in one INSERT)."""
    with transaction.atomic(savepoint=False):
        last_seq, prev_hash = _advance_head(len(entries))
        for seq, entry in enumerate(entries, start=last_seq - len(entries) + 1):
            entry.seq, entry.prev_hash = seq, prev_hash
            entry.entry_hash = chain.entry_digest(prev_hash, chain.entry_fields(entry))
            prev_hash = entry.entry_hash
        AuditEntry.objects.bulk_create(entries)
        AuditHead.objects.filter(id=1).update(last_hash=prev_hash)


def _append_postgresql(entry: AuditEntry) -> None:
    """One call of audit_append() (migration 0003): lock, hash, insert, move the head.

    A single statement is atomic on its own, so outside a transaction this is one round
    trip, like a plain INSERT; inside the caller's transaction it holds the head lock
    until the caller commits, as the portable path does.
    """
    params = [
        _payload_prefix(entry),
        entry.at,
        entry.actor,
        entry.actor_kind,
        entry.role,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.outcome,
        entry.client_ip,
        entry.request_id,
        json.dumps(entry.details, ensure_ascii=False),
    ]
    _appended(entry, db.fetch(queries.APPEND, params)[0])


def _payload_prefix(entry: AuditEntry) -> str:
    """The entry's canonical JSON without its seq, which the database function closes."""
    fields = chain.entry_fields(entry)
    del fields["seq"]
    return chain.payload_prefix(fields)


def _appended(entry: AuditEntry, row: db.Row) -> None:
    entry.seq = int(row["o_seq"])
    entry.prev_hash, entry.entry_hash = str(row["o_prev_hash"]), str(row["o_entry_hash"])
    entry._state.adding = False
    entry._state.db = connection.alias


def _append_all_postgresql(entries: list[AuditEntry], *, commit: bool = False) -> None:
    """All `entries`, in order, with one call of audit_append_all() (migration 0005);
    with `commit`, the transaction's COMMIT goes in the same round trip."""
    items = []
    for entry in entries:
        fields = chain.entry_fields(entry)  # the hashed columns, `at` as ISO text
        del fields["seq"]
        items.append({**fields, "payload_prefix": chain.payload_prefix(fields)})
    run = db.fetch_then_commit if commit else db.fetch
    rows = run(queries.APPEND_ALL, [json.dumps(items, ensure_ascii=False)])
    for entry, row in zip(entries, rows, strict=True):  # one row per entry, or it raises
        _appended(entry, row)


def record(
    *,
    action: str,
    actor: Any = None,
    peer: str = "",
    object_type: str = "",
    object_id: str | int = "",
    outcome: str = "success",
    details: dict[str, Any] | None = None,
    client_ip: str | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (its own one when none is open), or,
    inside `deferred`, when that block ends.

    actor: the user acting (default: the request's user); peer: a peer node's country.
    No savepoint: if the entry cannot be written the caller's action must fail with it.
    Details pass through JSON once, so that what is hashed is exactly what is stored.
    """
    ctx = context.get()
    name, kind, role = _actor_of(actor, peer)
    entry = AuditEntry(
        seq=0,  # drawn under the head lock
        at=timezone.now(),
        actor=name,
        actor_kind=kind,
        role=role,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        outcome=outcome,
        client_ip=client_ip if client_ip is not None else ctx.client_ip,
        request_id=ctx.request_id,
        details=json.loads(json.dumps(_scrub(details or {}))),
    )
    stack = getattr(_pending, "stack", None)
    if stack:
        stack[-1].append(entry)  # seq and hashes are drawn when the block ends
    else:
        _append(entry)
    return entry


def log_viewed(*, actor: Any, filters: dict[str, str], page: int, outcome: str = "success") -> None:
    """The auditor's page was opened (or refused: outcome "denied")."""
    with transaction.atomic():
        record(
            action="audit.view",
            actor=actor,
            object_type="audit.log",
            outcome=outcome,
            details={"filters": filters, "page": page},
        )


def log_exported(*, actor: Any, filters: dict[str, str], rows: int) -> None:
    """A CSV export of the filtered log was handed out."""
    with transaction.atomic():
        record(
            action="audit.export",
            actor=actor,
            object_type="audit.log",
            details={"filters": filters, "rows": rows},
        )


class TreeHead(TypedDict):
    size: int
    root_hash: str  # hex
    at: str  # ISO 8601, UTC


def _head_size() -> int:
    head = AuditHead.objects.filter(id=1).first()
    return head.last_seq if head else 0


def tree_head(size: int | None = None) -> TreeHead:
    """The RFC 9162 tree head over entries 1..size (default: all the head counts).

    Unsigned: the exchange app signs it with the node key when it publishes it.
    Reads the stored hashes as they are, through the incremental tree (`audit.tree`);
    `audit verify` is what recomputes them. ValueError when entries are missing.
    """
    size = _head_size() if size is None else size
    at: datetime = timezone.now()
    return {"size": size, "root_hash": tree.root(size).hex(), "at": at.isoformat()}


def inclusion_proof(seq: int, size: int | None = None) -> list[str]:
    """Hex node hashes proving entry `seq` is leaf seq-1 of the tree of `size` entries."""
    size = _head_size() if size is None else size
    return [h.hex() for h in tree.inclusion_proof(seq - 1, size)]


def consistency_proof(first: int, second: int | None = None) -> list[str]:
    """Hex node hashes proving the tree of `second` entries extends that of `first`."""
    second = _head_size() if second is None else second
    return [h.hex() for h in tree.consistency_proof(first, second)]
