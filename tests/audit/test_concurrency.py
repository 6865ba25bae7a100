"""Eight threads, each with its own database connection, append at once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connections, transaction

from audit import merkle, services
from audit.models import AuditEntry, AuditTreeNode
from audit.verify import verify

pytestmark = pytest.mark.django_db(transaction=True)

WRITERS = 8
EACH = 25


def _writer(n: int, start: threading.Barrier, errors: list[BaseException]) -> None:
    try:
        start.wait()
        for i in range(EACH):
            if i % 5 == 4:
                # Inside a longer transaction of the caller, as services do.
                with transaction.atomic():
                    services.record(action="test.concurrent", object_id=f"{n}-{i}")
                    services.record(action="test.concurrent", object_id=f"{n}-{i}b")
            else:
                services.record(action="test.concurrent", object_id=f"{n}-{i}")
    except BaseException as exc:  # reported by the test
        errors.append(exc)
    finally:
        connections.close_all()


def test_eight_concurrent_writers_leave_one_unbroken_chain():
    before = AuditEntry.objects.count()
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_writer, args=(n, start, errors)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    written = WRITERS * (EACH + EACH // 5)
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert len(seqs) == before + written
    assert seqs == list(range(1, len(seqs) + 1)), "gap in the sequence"
    prevs = Counter(AuditEntry.objects.values_list("prev_hash", flat=True))
    assert prevs.most_common(1)[0][1] == 1, "two entries share a predecessor: a fork"
    result = verify()
    assert (result.ok, result.verified) == (True, len(seqs)), result
    assert services.tree_head()["root_hash"] == result.root_hash


def _folding_reader(start: threading.Barrier, errors: list[BaseException]) -> None:
    try:
        start.wait()
        for _ in range(6):
            head = services.tree_head()
            services.consistency_proof(max(0, head["size"] - 300), head["size"])
    except BaseException as exc:  # reported by the test
        errors.append(exc)
    finally:
        connections.close_all()


def _block_writer(start: threading.Barrier, errors: list[BaseException]) -> None:
    try:
        start.wait()
        for block in range(6):
            with transaction.atomic(), services.deferred():
                for i in range(100):
                    services.record(action="test.concurrent", object_id=f"{block}-{i}")
    except BaseException as exc:  # reported by the test
        errors.append(exc)
    finally:
        connections.close_all()


def test_heads_read_while_others_fold_and_append_store_each_node_once_and_right():
    services.record(action="test.concurrent")
    start = threading.Barrier(5)
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_folding_reader, args=(start, errors)) for _ in range(3)]
    threads += [threading.Thread(target=_block_writer, args=(start, errors)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    hashes = AuditEntry.objects.order_by("seq").values_list("entry_hash", flat=True)
    leaves = [merkle.leaf_hash(bytes.fromhex(h)) for h in hashes]
    assert services.tree_head()["root_hash"] == merkle.root(leaves).hex()
    nodes = list(AuditTreeNode.objects.values_list("level", "index", "hash"))
    assert len(nodes) == len({(level, index) for level, index, _ in nodes}) >= 4
    for level, index, digest in nodes:
        span = 1 << level
        assert merkle.root(leaves[index * span : (index + 1) * span]).hex() == digest
