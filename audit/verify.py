"""Recompute the whole log: every entry's hash, every chain link, the head, the Merkle root.

Why a separate walk and not a database constraint: the point is to detect changes made
outside the application (a restored backup, a hand-edited row, a superuser with the
triggers off), so the check trusts nothing but the rows' own content.

What it finds, reported at the first broken entry (in seq order):
- a changed row: its content no longer hashes to its `entry_hash`;
- a changed row whose hash was recomputed, or a row inserted in its place: the next
  entry's `prev_hash` no longer matches;
- a deleted row: a gap in `seq`;
- rows deleted from, or inserted at, the end: the log no longer ends where the head
  (`AuditHead`, updated in the same transaction as every append) says it does.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Max

from audit import chain, merkle
from audit.models import AuditEntry, AuditHead


@dataclass(frozen=True)
class Verification:
    ok: bool
    verified: int  # entries that passed, from seq 1 on
    size: int  # leaves in the Merkle tree over the verified entries
    root_hash: str  # hex; the tree head of the verified prefix
    broken_seq: int | None = None
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _head() -> tuple[int, str]:
    head = AuditHead.objects.filter(id=1).first()
    return (head.last_seq, head.last_hash) if head else (0, chain.GENESIS)


@dataclass(frozen=True)
class Checkpoint:
    """Where a successful walk ended: resume from here instead of from entry #1."""

    seq: int
    entry_hash: str
    frontier: list[tuple[int, str]]  # merkle.Frontier state, hashes in hex


def verify(start: Checkpoint | None = None) -> Verification:
    return walk(start)[0]


def walk(start: Checkpoint | None = None) -> tuple[Verification, Checkpoint | None]:
    """Walk the log up to the head read first, then look for rows beyond it.

    From `start` only the entries after it are checked (the caller trusts the prefix it
    verified before); the checkpoint of a successful walk is returned with the result.
    No long transaction (SQLite's IMMEDIATE transactions would block every writer): an
    entry and the head that counts it commit together, so every entry up to a head once
    read is already visible, and a row beyond the head read last was not appended by
    `record`.
    """
    head_seq, head_hash = _head()
    frontier = merkle.Frontier()
    expected_seq, prev_hash = 1, chain.GENESIS
    if start is not None:
        frontier = merkle.Frontier.restore([(n, bytes.fromhex(h)) for n, h in start.frontier])
        expected_seq, prev_hash = start.seq + 1, start.entry_hash

    def broken(seq: int, reason: str) -> tuple[Verification, None]:
        size, root = frontier.size, frontier.root().hex()
        return Verification(False, size, size, root, seq, reason), None

    if head_seq < expected_seq - 1:
        return broken(head_seq + 1, f"the head went back to #{head_seq}: entries were removed")
    rows = AuditEntry.objects.filter(seq__gte=expected_seq, seq__lte=head_seq).order_by("seq")
    for entry in rows.iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            if entry.seq > expected_seq:
                return broken(
                    expected_seq,
                    f"entry #{expected_seq} is missing (the next one present is #{entry.seq})",
                )
            return broken(entry.seq, f"unexpected sequence number {entry.seq}")
        if entry.prev_hash != prev_hash:
            return broken(
                entry.seq,
                f"prev_hash does not match the hash of entry #{entry.seq - 1} "
                "(an entry before it was changed, replaced or inserted)",
            )
        if chain.entry_digest(entry.prev_hash, chain.entry_fields(entry)) != entry.entry_hash:
            return broken(entry.seq, "content does not match its hash (the entry was changed)")
        frontier.append(merkle.leaf_hash(bytes.fromhex(entry.entry_hash)))
        expected_seq, prev_hash = entry.seq + 1, entry.entry_hash

    last = expected_seq - 1
    if head_seq > last:
        return broken(
            last + 1, f"entries #{last + 1}..#{head_seq} are missing (the head records #{head_seq})"
        )
    if head_hash != prev_hash:
        return broken(last, "the last entry's hash differs from the one the head records")
    # Max first, head second: an append commits its entry and the head together.
    beyond = AuditEntry.objects.filter(seq__gt=head_seq).aggregate(m=Max("seq"))["m"]
    now_seq = _head()[0]
    if beyond is not None and beyond > now_seq:
        first = AuditEntry.objects.filter(seq__gt=now_seq).order_by("seq")[0].seq
        return broken(first, f"entry #{first} was inserted beyond the head (#{now_seq})")
    done = Checkpoint(last, prev_hash, [(n, h.hex()) for n, h in frontier.state()])
    return Verification(True, frontier.size, frontier.size, frontier.root().hex()), done
