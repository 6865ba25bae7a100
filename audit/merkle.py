"""RFC 9162 (Certificate Transparency 2.0) Merkle tree: pure functions, no ORM, no settings.

Why: a hash chain shows that a log was changed, but it cannot prove to a peer that an
entry is in the log, nor that today's log extends the one it saw yesterday. The Merkle
tree gives both with logarithmic proofs (inclusion and consistency), which is what the
witnessing of signed tree heads by peer nodes needs.

Definitions (RFC 9162 §2.1):
- a leaf's hash is SHA-256(0x00 || data); the audit log's data is the raw 32 bytes of an
  entry's `entry_hash`;
- an interior node's hash is SHA-256(0x01 || left || right);
- the tree of n > 1 leaves splits at k, the largest power of two smaller than n;
- the empty tree's hash is SHA-256 of the empty string.

Every function here takes leaf *hashes* (already passed through `leaf_hash`), indexes
are 0-based, and proofs are lists of 32-byte node hashes in the RFC's order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from functools import partial

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _mth(leaves: Sequence[bytes], lo: int, hi: int) -> bytes:
    n = hi - lo
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[lo]
    k = _split(n)
    return node_hash(_mth(leaves, lo, lo + k), _mth(leaves, lo + k, hi))


def root(leaves: Sequence[bytes], size: int | None = None) -> bytes:
    """MTH(D[0:size]) over leaf hashes (size defaults to all of them)."""
    size = len(leaves) if size is None else size
    if not 0 <= size <= len(leaves):
        raise ValueError(f"tree size {size} outside 0..{len(leaves)}")
    return _mth(leaves, 0, size)


class Frontier:
    """Streaming tree head: keeps only the O(log n) perfect subtrees of the leaves so far.

    The tree of n leaves is the perfect subtrees given by n's binary digits, largest first,
    joined right to left; appending merges equal-sized subtrees like a binary counter.
    """

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (leaf count, hash), left to right

    @classmethod
    def restore(cls, state: Sequence[tuple[int, bytes]]) -> Frontier:
        """A frontier from `state` (as `state()` gave it), to go on appending."""
        frontier = cls()
        frontier._stack = [(int(count), bytes(digest)) for count, digest in state]
        frontier.size = sum(count for count, _ in frontier._stack)
        return frontier

    def state(self) -> list[tuple[int, bytes]]:
        return list(self._stack)

    def append(self, leaf: bytes) -> None:
        count, digest = 1, leaf
        while self._stack and self._stack[-1][0] == count:
            left_count, left = self._stack.pop()
            count, digest = left_count + count, node_hash(left, digest)
        self._stack.append((count, digest))
        self.size += 1

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        digest = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            digest = node_hash(left, digest)
        return digest


def root_of(leaves: Iterable[bytes]) -> tuple[int, bytes]:
    """(size, root) of a stream of leaf hashes, in O(log n) memory."""
    frontier = Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    return frontier.size, frontier.root()


# The proofs over any source of subtree hashes: `subtree(lo, hi)` is MTH(D[lo:hi]).
# The recursion only ever asks for ranges whose start is a multiple of the next power of
# two at or above their length (a left child is a perfect, aligned subtree), which is what
# lets a caller answer from stored perfect subtrees (audit.tree) instead of every leaf.
Subtree = Callable[[int, int], bytes]


def _path(subtree: Subtree, m: int, lo: int, hi: int) -> list[bytes]:
    n = hi - lo
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*_path(subtree, m, lo, lo + k), subtree(lo + k, hi)]
    return [*_path(subtree, m - k, lo + k, hi), subtree(lo, lo + k)]


def inclusion_proof_from(subtree: Subtree, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) with subtree hashes from `subtree`."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    return _path(subtree, index, 0, size)


def inclusion_proof(leaves: Sequence[bytes], index: int, size: int | None = None) -> list[bytes]:
    """PATH(index, D[0:size]) (RFC 9162 §2.1.3.1)."""
    size = len(leaves) if size is None else size
    if not 0 <= index < size <= len(leaves):
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    return _path(partial(_mth, leaves), index, 0, size)


def _subproof(subtree: Subtree, m: int, lo: int, hi: int, whole: bool) -> list[bytes]:
    n = hi - lo
    if m == n:
        return [] if whole else [subtree(lo, hi)]
    k = _split(n)
    if m <= k:
        return [*_subproof(subtree, m, lo, lo + k, whole), subtree(lo + k, hi)]
    return [*_subproof(subtree, m - k, lo + k, hi, False), subtree(lo, lo + k)]


def consistency_proof_from(subtree: Subtree, first: int, second: int) -> list[bytes]:
    """PROOF(first, D[0:second]) with subtree hashes from `subtree`."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from size {first} to {second}")
    if first in (0, second):
        return []
    return _subproof(subtree, first, 0, second, True)


def consistency_proof(
    leaves: Sequence[bytes], first: int, second: int | None = None
) -> list[bytes]:
    """PROOF(first, D[0:second]) (RFC 9162 §2.1.4.1); empty when first is 0 or second."""
    second = len(leaves) if second is None else second
    if not 0 <= first <= second <= len(leaves):
        raise ValueError(f"no consistency proof from size {first} to {second}")
    return consistency_proof_from(partial(_mth, leaves), first, second)


def _well_formed(*hashes: bytes) -> bool:
    return all(isinstance(h, bytes) and len(h) == HASH_SIZE for h in hashes)


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does `proof` put leaf hash `leaf` at `index` of the tree `root`?"""
    if not 0 <= index < size or not _well_formed(leaf, expected_root, *proof):
        return False
    fn, sn, digest = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            digest = node_hash(p, digest)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            digest = node_hash(digest, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and digest == expected_root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree `second_root` of size `second` an append-only
    extension of the tree `first_root` of size `first`?"""
    if not 0 <= first <= second or not _well_formed(first_root, second_root, *proof):
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        # Every tree extends the empty one; RFC 9162 gives no proof for it.
        return not proof and first_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two: the first tree is a subtree
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root
