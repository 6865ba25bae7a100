"""`audit verify --witnessed` / `--against FILE`: the log checked against signed tree heads.

The sources are registered here as the exchange app registers its own at startup
(audit/witnesses.py is that registry); the rewrite is the review's (tests/audit/rewrite.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import connection, transaction

from audit import services, witnesses
from audit.models import AuditEntry
from audit.verify import verify, verify_heads
from audit.witnesses import SignedHead
from tests.audit.command import run_verify
from tests.audit.rewrite import rewrite_without

pytestmark = pytest.mark.django_db

SIGNED_AT = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _registry() -> Iterator[None]:
    sources, reader = witnesses.head_sources(), witnesses.head_file_reader()
    for name in sources:
        witnesses.unregister_head_source(name)
    witnesses.register_head_file_reader(None)
    yield
    for name in witnesses.head_sources():
        witnesses.unregister_head_source(name)
    for name, fn in sources.items():
        witnesses.register_head_source(name, fn)
    witnesses.register_head_file_reader(reader)


def _grow_to(size: int) -> None:
    with transaction.atomic(), services.deferred():
        for i in range(size - AuditEntry.objects.count()):
            services.record(action="case.read", actor=None, object_type="case", object_id=i)


def _signed(size: int, by: str, source: str) -> SignedHead:
    return SignedHead(size, services.tree_head(size)["root_hash"], by, SIGNED_AT, source)


def test_an_honest_log_agrees_with_every_witnessed_head():
    _grow_to(433)
    kept = [_signed(100, "KG", "co-signed receipt kept here"), _signed(433, "UZ", "kept")]
    witnesses.register_head_source("receipts kept here", lambda: kept)
    witnesses.register_head_source("fetched from TJ", lambda: [_signed(0, "TJ", "fetched")])
    code, out, err = run_verify("--witnessed")
    assert code == 0, err
    assert "433 entries" in out
    assert "signed tree heads checked: 3 (receipts kept here: 2, fetched from TJ: 1)" in out
    assert "no signed head contradicts the log" in out


def test_the_reviews_rewrite_fails_naming_the_witnessed_heads_it_contradicts():
    _grow_to(433)
    early, late = _signed(200, "UZ", "fetched from UZ"), _signed(433, "KG", "fetched from KG")
    witnesses.register_head_source("peers", lambda: [early, late])
    rewrite_without(range(301, 345))  # 44 read entries gone, the chain re-hashed, the head moved
    assert verify().ok  # the plain check cannot see it
    assert run_verify()[0] == 0
    code, _, err = run_verify("--witnessed")
    assert code == 1
    assert f"CONTRADICTED head of size 433, root {late.root_hash}, signed by KG" in err
    assert "2026-12-07T10:00:00+00:00 (fetched from KG)" in err
    assert "the local log has 389 entries, fewer than the 433" in err
    assert "size 200" not in err  # entries before the deletion are as they were
    _grow_to(500)  # the log grows past the witnessed size: its root there is another
    code, out, err = run_verify("--witnessed", "--json")
    result = json.loads(out)
    assert code == 1 and result["ok"] and not result["witnessed"]["ok"]
    (contradicted,) = result["witnessed"]["contradicted"]
    assert (contradicted["size"], contradicted["signed_by"]) == (433, "KG")
    assert contradicted["root_hash"] == late.root_hash
    assert "root at size 433 is" in contradicted["reason"]


def test_an_unavailable_source_is_named_and_the_others_still_checked():
    _grow_to(300)
    honest = _signed(300, "KG", "kept")

    def unreachable() -> list[SignedHead]:
        raise ConnectionError("UZ did not answer (connection refused)")

    witnesses.register_head_source("fetched from UZ", unreachable)
    witnesses.register_head_source("receipts kept here", lambda: [honest])
    code, out, err = run_verify("--witnessed")
    assert code == 0
    assert "checked: 1 (fetched from UZ: unavailable, receipts kept here: 1)" in out
    assert "source fetched from UZ unavailable: UZ did not answer (connection refused)" in err
    witnesses.unregister_head_source("receipts kept here")
    code, _, err = run_verify("--witnessed")
    assert code == 1 and "no source gave a witnessed tree head" in err


def test_without_any_registered_source_the_witnessed_check_fails():
    _grow_to(10)
    code, _, err = run_verify("--witnessed")
    assert code == 1 and "no source of witnessed tree heads is registered" in err


def _read_head_file(data: bytes) -> SignedHead:
    """A reader as the exchange app registers one (its files are signed; these are not)."""
    try:
        found = json.loads(data)
        return SignedHead(found["size"], found["root_hash"], found["key_id"], None, "a file")
    except (ValueError, KeyError) as exc:
        raise ValueError(f"not a signed tree head: {exc}") from exc


def test_against_an_exported_head_file(tmp_path: Path):
    _grow_to(433)
    head = services.tree_head()
    exported = tmp_path / "head.json"
    exported.write_text(json.dumps({**head, "key_id": "KZ-2026-1"}))
    code, _, err = run_verify("--against", str(exported))
    assert code == 1 and "no reader of signed head files is registered" in err
    witnesses.register_head_file_reader(_read_head_file)
    assert run_verify("--against", str(exported))[0] == 0
    garbled = tmp_path / "garbled.json"
    garbled.write_text("{")
    code, _, err = run_verify("--against", str(garbled))
    assert code == 1 and f"{garbled}: not a signed tree head" in err
    rewrite_without([5])
    _grow_to(433)
    code, _, err = run_verify("--against", str(exported))
    assert code == 1
    assert f"CONTRADICTED head of size 433, root {head['root_hash']}, signed by KZ-2026-1" in err


def test_heads_beyond_a_broken_chain_are_left_unchecked_and_fail():
    _grow_to(50)
    head, early = _signed(50, "KG", "kept"), _signed(5, "UZ", "kept")
    with transaction.atomic(), connection.cursor() as cursor:  # one row edited, not re-hashed
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE audit_auditentry SET actor = 'mallory' WHERE seq = 10")
    result = verify_heads([head, early])
    assert not result.ok and result.chain.broken_seq == 10
    assert result.checked == 1 and result.unchecked == (head,) and not result.contradicted
    witnesses.register_head_source("kept", lambda: [head, early])
    code, _, err = run_verify("--witnessed")
    assert code == 1 and "not checked (beyond the broken entry): head of size 50" in err
