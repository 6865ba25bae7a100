"""The incremental tree (audit.tree) gives exactly the full recompute's heads and proofs."""

from __future__ import annotations

import random

import pytest
from django.db import transaction

from audit import merkle, services, tree
from audit.models import AuditEntry, AuditTreeNode
from tests.audit.rewrite import rewrite_without

pytestmark = pytest.mark.django_db


def _grow_to(size: int) -> None:
    """Append entries until the log holds `size` (in one deferred block: fast)."""
    missing = size - AuditEntry.objects.count()
    with transaction.atomic(), services.deferred():
        for i in range(missing):
            services.record(action="test.tree", object_id=i)


def _leaves() -> list[bytes]:
    hashes = AuditEntry.objects.order_by("seq").values_list("entry_hash", flat=True)
    return [merkle.leaf_hash(bytes.fromhex(h)) for h in hashes]


def _hex(proof: list[bytes]) -> list[str]:
    return [h.hex() for h in proof]


def test_every_head_up_to_600_and_proofs_around_the_block_bounds_equal_the_full_recompute():
    _grow_to(1100)
    leaves = _leaves()
    for size in range(601):
        assert services.tree_head(size)["root_hash"] == merkle.root(leaves, size).hex(), size
    bounds = sorted({b + d for b in (256, 512, 768, 1024) for d in (-2, -1, 0, 1, 2)})
    sizes = [1, 2, 3, 255, *bounds, 1099, 1100]
    for size in sizes:
        assert services.tree_head(size)["root_hash"] == merkle.root(leaves, size).hex()
    pairs = [(a, b) for a in [0, *sizes] for b in sizes if a <= b]
    rng = random.Random(21)
    for _ in range(300):
        a, b = rng.randint(0, 1100), rng.randint(0, 1100)
        pairs.append((min(a, b), max(a, b)))
    for first, second in pairs:
        expected = _hex(merkle.consistency_proof(leaves, first, second))
        assert services.consistency_proof(first, second) == expected, (first, second)
    for seq in [1, 2, 256, 257, 511, 512, 513, 700, 1024, 1025, 1100]:
        for size in (seq, 1024, 1100):
            if size >= seq:
                expected = _hex(merkle.inclusion_proof(leaves, seq - 1, size))
                assert services.inclusion_proof(seq, size) == expected, (seq, size)
    assert services.tree_head()["root_hash"] == merkle.root(leaves).hex()
    # every aligned subtree of 256 leaves and more is stored, and nothing else
    stored = set(AuditTreeNode.objects.values_list("level", "index"))
    assert stored == {(8, 0), (8, 1), (8, 2), (8, 3), (9, 0), (9, 1), (10, 0)}


def test_a_log_growing_between_checkpoints_folds_as_it_goes():
    _grow_to(3)
    last = services.tree_head()
    for step in (250, 10, 300, 1, 700, 256):
        _grow_to(last["size"] + step)
        head = services.tree_head()
        proof = [bytes.fromhex(h) for h in services.consistency_proof(last["size"])]
        leaves = _leaves()
        assert head["root_hash"] == merkle.root(leaves).hex()
        assert merkle.verify_consistency(
            last["size"],
            head["size"],
            bytes.fromhex(last["root_hash"]),
            bytes.fromhex(head["root_hash"]),
            proof,
        )
        last = head


def test_appending_never_writes_the_cache_and_folding_twice_changes_nothing():
    _grow_to(600)
    assert not AuditTreeNode.objects.exists()
    tree.fold(600)
    nodes = list(AuditTreeNode.objects.order_by("level", "index").values_list())
    tree.fold(600)  # as a second process would: the same rows, conflicts ignored
    AuditTreeNode.objects.filter(level=8, index=1).delete()  # as if a fold had stopped
    tree.fold(600)
    assert list(AuditTreeNode.objects.order_by("level", "index").values_list()) != []
    assert sorted(AuditTreeNode.objects.values_list("level", "index", "hash")) == sorted(
        (level, index, digest) for _, level, index, digest, _ in nodes
    )


def test_a_missing_node_is_computed_from_the_entries_not_trusted_absent():
    _grow_to(1030)
    tree.fold(1030)
    AuditTreeNode.objects.filter(level=10).delete()
    AuditTreeNode.objects.filter(level=9, index=1).delete()
    leaves = _leaves()
    assert tree.root(1024) == merkle.root(leaves, 1024)  # from (9, 0) and (8, 2..3)
    assert tree.consistency_proof(700, 1030) == merkle.consistency_proof(leaves, 700, 1030)


def test_a_rewritten_log_drops_the_cache_and_gives_the_head_of_the_entries_as_they_are():
    _grow_to(700)
    honest = services.tree_head(512)
    rewrite_without(range(300, 344))  # 44 entries, the chain re-hashed, the head moved back
    _grow_to(700)  # the log grows past the witnessed size again
    leaves = _leaves()
    rewritten = services.tree_head(512)
    assert rewritten["root_hash"] == merkle.root(leaves, 512).hex() != honest["root_hash"]
    proof = services.consistency_proof(512, 700)
    assert proof == _hex(merkle.consistency_proof(leaves, 512, 700))
    assert not merkle.verify_consistency(
        512,
        700,
        bytes.fromhex(honest["root_hash"]),
        bytes.fromhex(services.tree_head(700)["root_hash"]),
        [bytes.fromhex(h) for h in proof],
    )


def test_sizes_beyond_the_log_are_refused():
    _grow_to(300)
    size = AuditEntry.objects.count()
    with pytest.raises(ValueError):
        services.tree_head(size + 1)
    with pytest.raises(ValueError):
        services.consistency_proof(5, size + 300)
    with pytest.raises(ValueError):
        services.consistency_proof(6, 5)
    with pytest.raises(ValueError):
        services.inclusion_proof(size + 1, size)
