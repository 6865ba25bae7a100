"""The Merkle tree over the log, read incrementally: stored perfect subtrees plus a few leaves.

Why: a tree head or a consistency proof over the whole log is what a node signs and its
witnesses check every few minutes; recomputed from every entry it costs seconds at a
million entries. The tree of n leaves is made of perfect, aligned subtrees, and a proof
only asks for O(log n) of them (see `merkle.Subtree`), so this module keeps the hash of
every aligned subtree of 2**8 = 256 leaves and more (`AuditTreeNode`) and reads a head or
a proof from O(log n) stored nodes and at most two partial blocks of under 256 leaves.

Folding (`fold`): nodes are computed lazily, when a head or a proof is asked for, from
the entries not yet folded in; appending entries (`services.record`) does not touch them,
so the hot path is unchanged. Folding is idempotent: a node's hash depends only on the
entries it covers, and two processes folding at once insert the same rows, the second
one's ignored by the unique (level, index) constraint.

The cache and the entries: the nodes are derived from the stored `entry_hash`es and are
trusted only while the entry at the end of the last folded block still has the hash it
had when folded (the node's `anchor`). Every entry commits to all before it (its hash
covers the previous one's), so a rewrite that keeps the chain valid (delete entries,
re-hash everything after, move the head: what `audit verify` alone cannot see) changes
that entry, and then every node is dropped and the tree is folded again from the entries
as they are now. The head then computed is that of the rewritten log, which differs from
the heads the witnesses signed: that is what they must see. A rewrite that breaks the
chain (one row's stored hash edited) is `audit verify`'s to report; the cache may then
still give the root of the entries as they were. Someone who rewrites the nodes too can
make the next checkpoints extend the honest history, but then the signed heads disagree
with the entries, which `audit verify --witnessed` (from the entries, never the nodes)
reports. `audit verify` never reads the nodes.

Results equal `merkle.root` / `merkle.inclusion_proof` / `merkle.consistency_proof`
over every leaf (tests/audit/test_tree.py checks it for many sizes).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q

from audit import merkle
from audit.models import AuditEntry, AuditTreeNode

log = logging.getLogger(__name__)

BLOCK_LEVEL = 8
BLOCK = 1 << BLOCK_LEVEL  # leaves in the smallest stored subtree
FOLD_BLOCKS = 64  # blocks read and stored per round of folding (16,384 entries)
_PLACEHOLDER = bytes(merkle.HASH_SIZE)


def _entry_hashes(first_seq: int, last_seq: int) -> list[str]:
    """The stored `entry_hash`es of seqs first..last, in order; ValueError if any is missing."""
    rows = AuditEntry.objects.filter(seq__gte=first_seq, seq__lte=last_seq).order_by("seq")
    hashes = list(rows.values_list("entry_hash", flat=True))
    if len(hashes) != last_seq - first_seq + 1:
        raise ValueError(
            f"the log has {len(hashes)} of the entries #{first_seq}..#{last_seq}, not all"
        )
    return hashes


def _leaves(hashes: list[str]) -> list[bytes]:
    return [merkle.leaf_hash(bytes.fromhex(h)) for h in hashes]


def _cache_holds() -> int:
    """Blocks folded so far, after checking the last one's anchor (dropping every node
    when the entries were rewritten under it)."""
    last = AuditTreeNode.objects.filter(level=BLOCK_LEVEL).order_by("-index").first()
    if last is None:
        return 0
    end_seq = (last.index + 1) * BLOCK  # leaf index end - 1 = seq of the block's last entry
    now = AuditEntry.objects.filter(seq=end_seq).values_list("entry_hash", flat=True).first()
    if now == last.anchor:
        return last.index + 1
    log.warning(
        "audit tree cache dropped: entry #%s is %s, was %s when folded (the log was rewritten)",
        end_seq,
        now or "missing",
        last.anchor,
    )
    AuditTreeNode.objects.all().delete()
    return 0


def fold(size: int) -> None:
    """Store the node of every aligned subtree of at least BLOCK leaves within the first
    `size` entries that is not stored yet."""
    done, target = _cache_holds(), size // BLOCK
    known: dict[tuple[int, int], tuple[str, str]] = {}  # (level, index) -> (hash, anchor)
    while done < target:
        end = min(target, done + FOLD_BLOCKS)
        hashes = _entry_hashes(done * BLOCK + 1, end * BLOCK)
        new: list[AuditTreeNode] = []
        level_new: list[int] = []
        for offset, index in enumerate(range(done, end)):
            block = hashes[offset * BLOCK : (offset + 1) * BLOCK]
            digest = merkle.root(_leaves(block)).hex()
            known[(BLOCK_LEVEL, index)] = (digest, block[-1])
            new.append(AuditTreeNode(level=BLOCK_LEVEL, index=index, hash=digest, anchor=block[-1]))
            level_new.append(index)
        level = BLOCK_LEVEL
        while level_new:
            parents = []
            for index in level_new:
                if index % 2 == 0:
                    continue  # its parent waits for the right sibling
                left = known.get((level, index - 1)) or _stored(level, index - 1)
                if left is None:
                    continue  # not folded (a concurrent drop): a later fold builds it
                right = known[(level, index)]
                digest = merkle.node_hash(bytes.fromhex(left[0]), bytes.fromhex(right[0])).hex()
                known[(level + 1, index // 2)] = (digest, right[1])
                new.append(
                    AuditTreeNode(level=level + 1, index=index // 2, hash=digest, anchor=right[1])
                )
                parents.append(index // 2)
            level, level_new = level + 1, parents
        with transaction.atomic():
            AuditTreeNode.objects.bulk_create(new, ignore_conflicts=True)
        done = end


def _stored(level: int, index: int) -> tuple[str, str] | None:
    node = AuditTreeNode.objects.filter(level=level, index=index).first()
    return (node.hash, node.anchor) if node else None


class Tree:
    """MTH of any range of the first `size` leaves, from stored nodes and leaf blocks.

    Built in two passes: a dry run of the proof records which nodes and blocks it needs
    (`planning`), which are then read in one query each; a node missing from the store
    (not folded, or dropped meanwhile) is computed from its halves instead.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.planning = False
        self._want_nodes: set[tuple[int, int]] = set()
        self._want_blocks: set[int] = set()
        self._nodes: dict[tuple[int, int], bytes] = {}
        self._blocks: dict[int, list[bytes]] = {}

    def subtree(self, lo: int, hi: int) -> bytes:
        n = hi - lo
        if n <= 0:
            return merkle.EMPTY_ROOT
        if n >= BLOCK and n & (n - 1) == 0 and lo % n == 0:
            key = (n.bit_length() - 1, lo // n)
            if self.planning:
                self._want_nodes.add(key)
                return _PLACEHOLDER
            if key not in self._nodes:
                self._load_nodes({key})
            if key in self._nodes:
                return self._nodes[key]
        if n <= BLOCK and lo // BLOCK == (hi - 1) // BLOCK:
            block = lo // BLOCK
            if self.planning:
                self._want_blocks.add(block)
                return _PLACEHOLDER
            if block not in self._blocks:
                self._load_block(block)
            start = block * BLOCK
            return merkle.root(self._blocks[block][lo - start : hi - start])
        k = 1 << ((n - 1).bit_length() - 1)
        return merkle.node_hash(self.subtree(lo, lo + k), self.subtree(lo + k, hi))

    def load_planned(self) -> None:
        self._load_nodes(self._want_nodes)
        for block in sorted(self._want_blocks):
            self._load_block(block)
        self.planning = False

    def _load_nodes(self, keys: set[tuple[int, int]]) -> None:
        """One query for all of `keys` (a few dozen at most: O(log n) per proof)."""
        by_level: dict[int, list[int]] = {}
        for level, index in keys:
            by_level.setdefault(level, []).append(index)
        if not by_level:
            return
        wanted = Q()
        for level, indexes in by_level.items():
            wanted |= Q(level=level, index__in=indexes)
        rows = AuditTreeNode.objects.filter(wanted).values_list("level", "index", "hash")
        for level, index, digest in rows:
            self._nodes[(level, index)] = bytes.fromhex(digest)

    def _load_block(self, block: int) -> None:
        first = block * BLOCK
        last = min(first + BLOCK, self.size)
        self._blocks[block] = _leaves(_entry_hashes(first + 1, last))


def root(size: int) -> bytes:
    """MTH of the first `size` entries."""
    if size < 0:
        raise ValueError(f"tree size {size} is negative")
    fold(size)
    tree = Tree(size)
    tree.planning = True
    tree.subtree(0, size)
    tree.load_planned()
    return tree.subtree(0, size)


def inclusion_proof(index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]): entry seq index+1 is in the tree of `size` entries."""
    merkle.inclusion_proof_from(lambda lo, hi: _PLACEHOLDER, index, size)  # validates
    fold(size)
    tree = Tree(size)
    tree.planning = True
    merkle.inclusion_proof_from(tree.subtree, index, size)
    tree.load_planned()
    return merkle.inclusion_proof_from(tree.subtree, index, size)


def consistency_proof(first: int, second: int) -> list[bytes]:
    """PROOF(first, D[0:second]): the tree of `second` entries extends that of `first`."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from size {first} to {second}")
    fold(second)
    tree = Tree(second)
    tree.planning = True
    merkle.consistency_proof_from(tree.subtree, first, second)
    tree.load_planned()
    return merkle.consistency_proof_from(tree.subtree, first, second)
