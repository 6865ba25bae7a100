"""`audit verify` through the real command, after tampering with rows in raw SQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection

from audit import chain, merkle, services
from audit.models import AuditEntry
from tests.audit.command import run_verify

pytestmark = pytest.mark.django_db


def _log(n: int = 5) -> list[AuditEntry]:
    return [
        services.record(action="test.event", object_type="thing", object_id=i, details={"i": i})
        for i in range(n)
    ]


def _sql(statement: str, params: list[Any]) -> None:
    """Tamper as someone with database access would, bypassing the application.

    On PostgreSQL only a superuser can, by switching the append-only trigger off for
    the transaction (replica mode); the test user is one.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(statement, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def test_an_untouched_log_verifies_and_prints_its_merkle_root():
    _log()
    entries = list(AuditEntry.objects.order_by("seq"))  # with those of data migrations
    code, out, _ = run_verify()
    leaves = [merkle.leaf_hash(bytes.fromhex(e.entry_hash)) for e in entries]
    assert code == 0
    assert f"{len(entries)} entries" in out and merkle.root(leaves).hex() in out
    code, out, _ = run_verify("--json")
    result = json.loads(out)
    assert (code, result["ok"], result["verified"]) == (0, True, len(entries))
    assert result["root_hash"] == services.tree_head()["root_hash"]


def test_an_empty_log_verifies():
    if AuditEntry.objects.exists():
        _sql("DELETE FROM audit_auditentry", [])  # entries of data migrations
        _sql("UPDATE audit_audithead SET last_seq = 0, last_hash = %s", [chain.GENESIS])
    code, out, _ = run_verify()
    assert code == 0 and "0 entries" in out and merkle.EMPTY_ROOT.hex() in out


def test_a_changed_row_is_named():
    seq = _log()[2].seq
    _sql("UPDATE audit_auditentry SET actor = %s WHERE seq = %s", ["mallory", seq])
    code, _, err = run_verify()
    assert code == 1
    assert f"entry #{seq}:" in err and "content does not match" in err
    assert f"#1..#{seq - 1} verified" in err


def test_a_changed_row_with_a_recomputed_hash_breaks_the_next_link():
    entries = _log()
    forged = entries[2]
    forged.outcome = "denied"
    new_hash = chain.entry_digest(forged.prev_hash, chain.entry_fields(forged))
    _sql(
        "UPDATE audit_auditentry SET outcome = %s, entry_hash = %s WHERE seq = %s",
        ["denied", new_hash, forged.seq],
    )
    code, out, _ = run_verify("--json")
    result = json.loads(out)
    assert code == 1 and result["broken_seq"] == forged.seq + 1
    assert "prev_hash" in result["reason"]


def test_a_changed_last_row_with_a_recomputed_hash_disagrees_with_the_head():
    entries = _log()
    last = entries[-1]
    last.action = "test.other"
    new_hash = chain.entry_digest(last.prev_hash, chain.entry_fields(last))
    _sql(
        "UPDATE audit_auditentry SET action = %s, entry_hash = %s WHERE seq = %s",
        ["test.other", new_hash, last.seq],
    )
    result = json.loads(run_verify("--json")[1])
    assert result["broken_seq"] == last.seq and "head" in result["reason"]


def test_a_deleted_row_is_named():
    seq = _log()[1].seq
    _sql("DELETE FROM audit_auditentry WHERE seq = %s", [seq])
    code, _, err = run_verify()
    assert code == 1 and f"entry #{seq} is missing" in err


def test_deleted_last_rows_are_named():
    seq = _log()[3].seq
    _sql("DELETE FROM audit_auditentry WHERE seq >= %s", [seq])
    result = json.loads(run_verify("--json")[1])
    assert (result["ok"], result["broken_seq"], result["verified"]) == (False, seq, seq - 1)


def test_an_inserted_row_is_named():
    entries = _log()
    last = entries[-1]
    fake = AuditEntry(
        seq=last.seq + 1,
        at=last.at,
        actor="mallory",
        actor_kind="user",
        action="auth.login",
        details={},
        prev_hash=last.entry_hash,
    )
    fake.entry_hash = chain.entry_digest(fake.prev_hash, chain.entry_fields(fake))
    _sql(
        "INSERT INTO audit_auditentry (seq, at, actor, actor_kind, role, action, object_type,"
        " object_id, outcome, client_ip, request_id, details, prev_hash, entry_hash)"
        " VALUES (%s, %s, %s, 'user', '', 'auth.login', '', '', 'success', '', '', '{}', %s, %s)",
        [
            fake.seq,
            connection.ops.adapt_datetimefield_value(last.at),
            "mallory",
            last.entry_hash,
            fake.entry_hash,
        ],
    )
    code, _, err = run_verify()
    assert code == 1 and f"entry #{fake.seq} was inserted" in err


def test_a_row_replaced_in_the_middle_is_named():
    seq = _log()[2].seq
    _sql("UPDATE audit_auditentry SET seq = %s WHERE seq = %s", [seq + 100, seq])
    result = json.loads(run_verify("--json")[1])
    assert result["broken_seq"] == seq and "missing" in result["reason"]
