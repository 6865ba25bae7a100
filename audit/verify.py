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

What it cannot find alone: the whole chain re-hashed after a deletion, with the head
moved (every link then agrees). `verify_heads` finds that: it compares the recomputed
root at each size some other party signed (a witness's co-signed checkpoint, an exported
head; audit/witnesses.py) with the signed one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Max

from audit import chain, merkle
from audit.models import AuditEntry, AuditHead
from audit.witnesses import SignedHead


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
    verification, done, _ = _walk(start, frozenset())
    return verification, done


def _walk(
    start: Checkpoint | None, sizes: frozenset[int]
) -> tuple[Verification, Checkpoint | None, dict[int, str]]:
    """Walk the log up to the head read first, then look for rows beyond it.

    From `start` only the entries after it are checked (the caller trusts the prefix it
    verified before); the checkpoint of a successful walk is returned with the result.
    No long transaction (SQLite's IMMEDIATE transactions would block every writer): an
    entry and the head that counts it commit together, so every entry up to a head once
    read is already visible, and a row beyond the head read last was not appended by
    `record`.

    Also returns the Merkle root (hex) at each of `sizes` the verified entries reach.
    """
    roots: dict[int, str] = {}
    head_seq, head_hash = _head()
    frontier = merkle.Frontier()
    expected_seq, prev_hash = 1, chain.GENESIS
    if start is not None:
        frontier = merkle.Frontier.restore([(n, bytes.fromhex(h)) for n, h in start.frontier])
        expected_seq, prev_hash = start.seq + 1, start.entry_hash
    if frontier.size in sizes:
        roots[frontier.size] = frontier.root().hex()

    def broken(seq: int, reason: str) -> tuple[Verification, None, dict[int, str]]:
        size, root = frontier.size, frontier.root().hex()
        return Verification(False, size, size, root, seq, reason), None, roots

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
        if frontier.size in sizes:
            roots[frontier.size] = frontier.root().hex()
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
    verification = Verification(True, frontier.size, frontier.size, frontier.root().hex())
    return verification, done, roots


@dataclass(frozen=True)
class Contradiction:
    """A signed head the local log contradicts, and how."""

    head: SignedHead
    reason: str


@dataclass(frozen=True)
class HeadsVerification:
    """The chain walked once and checked against heads other parties signed.

    ok: the chain verifies and no head is contradicted or left unchecked. A head beyond
    a broken chain is unchecked (the verified prefix is shorter than it).
    """

    chain: Verification
    checked: int  # heads compared with the local log's root at their size
    contradicted: tuple[Contradiction, ...]
    unchecked: tuple[SignedHead, ...]

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.contradicted and not self.unchecked


def verify_heads(heads: Sequence[SignedHead]) -> HeadsVerification:
    """Recompute the log (as `verify` does) and the Merkle root at every head's size,
    streaming; name every head the local log contradicts: it is shorter than the head's
    size, or its root at that size differs."""
    chain_result, _, roots = _walk(None, frozenset(h.size for h in heads))
    contradicted, unchecked, checked = [], [], 0
    for head in heads:
        if head.size in roots:
            checked += 1
            if roots[head.size] != head.root_hash.lower():
                reason = (
                    f"the local log's root at size {head.size} is {roots[head.size]}, "
                    f"not {head.root_hash}: entries at or before #{head.size} were rewritten"
                )
                contradicted.append(Contradiction(head, reason))
        elif chain_result.ok:
            checked += 1
            reason = (
                f"the local log has {chain_result.verified} entries, fewer than the "
                f"{head.size} this head counts: entries were removed"
            )
            contradicted.append(Contradiction(head, reason))
        else:
            unchecked.append(head)
    return HeadsVerification(chain_result, checked, tuple(contradicted), tuple(unchecked))
