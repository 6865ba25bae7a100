"""record(), the tree head and the proofs a peer will check, on the real database."""

from __future__ import annotations

import hashlib

import pytest
from django.db import transaction

from audit import chain, merkle, services
from audit.models import AuditEntry, AuditHead
from audit.verify import verify

pytestmark = pytest.mark.django_db


def test_the_sql_side_hash_recipe_is_the_python_one():
    fields = {"action": "case.read", "actor": "Ержан", "details": {"b": [1, 2], "a": "é"}}
    fields |= {"at": "2026-11-28T10:00:00+00:00", "role": "", "outcome": "success"}
    prev = "ab" * 32
    payload = chain.payload_prefix(fields) + "42}"
    digest = hashlib.sha256((prev + "\n" + payload).encode()).hexdigest()
    assert digest == chain.entry_digest(prev, fields | {"seq": 42})
    with pytest.raises(ValueError):
        chain.payload_prefix(fields | {"zone": "x"})


def test_record_chains_scrubs_secrets_and_stores_exactly_what_it_hashed():
    first = services.record(action="test.one", details={"password": "hunter2", "ids": (1, 2)})
    second = services.record(action="test.two", peer="KG", object_type="msg", object_id=9)
    assert second.seq == first.seq + 1 and second.prev_hash == first.entry_hash
    stored = AuditEntry.objects.get(seq=first.seq)
    assert stored.details == {"password": "[redacted]", "ids": [1, 2]}
    assert stored.entry_hash == first.entry_hash
    assert chain.entry_digest(stored.prev_hash, chain.entry_fields(stored)) == stored.entry_hash
    assert (second.actor, second.actor_kind, second.object_id) == ("KG", "peer", "9")
    head = AuditHead.objects.get(id=1)
    assert (head.last_seq, head.last_hash) == (second.seq, second.entry_hash)


def test_a_rolled_back_action_takes_its_entry_and_its_seq_with_it():
    before = services.record(action="test.before")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.record(action="test.rolled_back")
        raise RuntimeError("the action failed")
    after = services.record(action="test.after")
    assert after.seq == before.seq + 1 and after.prev_hash == before.entry_hash
    assert not AuditEntry.objects.filter(action="test.rolled_back").exists()
    assert verify().ok


def _leaf(entry: AuditEntry) -> bytes:
    return merkle.leaf_hash(bytes.fromhex(entry.entry_hash))


def test_tree_head_and_inclusion_proofs_of_every_entry():
    for i in range(11):
        services.record(action="test.tree", object_id=i)
    head = services.tree_head()
    entries = list(AuditEntry.objects.order_by("seq"))
    assert head["size"] == len(entries) == verify().size
    assert head["root_hash"] == merkle.root([_leaf(e) for e in entries]).hex()
    assert head["root_hash"] == verify().root_hash
    root = bytes.fromhex(head["root_hash"])
    for e in entries:
        proof = [bytes.fromhex(h) for h in services.inclusion_proof(e.seq)]
        assert merkle.verify_inclusion(_leaf(e), e.seq - 1, head["size"], proof, root)
    other = merkle.leaf_hash(b"not in the log")
    proof = [bytes.fromhex(h) for h in services.inclusion_proof(entries[3].seq)]
    assert not merkle.verify_inclusion(other, entries[3].seq - 1, head["size"], proof, root)


def test_a_later_tree_head_is_proved_consistent_with_an_earlier_one():
    services.record(action="test.early")
    early = services.tree_head()
    for i in range(6):
        services.record(action="test.late", object_id=i)
    late = services.tree_head()
    proof = [bytes.fromhex(h) for h in services.consistency_proof(early["size"], late["size"])]
    assert merkle.verify_consistency(
        early["size"],
        late["size"],
        bytes.fromhex(early["root_hash"]),
        bytes.fromhex(late["root_hash"]),
        proof,
    )
    assert services.tree_head(early["size"])["root_hash"] == early["root_hash"]
