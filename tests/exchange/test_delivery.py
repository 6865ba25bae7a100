"""Delivery between real nodes: a sender killed before delivering, and key rotation."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from exchange import canonical, signing
from tests.fednet import federation  # noqa: F401 (fixture)

pytestmark = pytest.mark.federation
BODY = json.dumps({"case_ref": "MD-{n}", "changes": {"status": "open"}})


def wait_for(predicate: Any, timeout: float = 60.0, interval: float = 0.3) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"not true within {timeout} s")


def received(node: Any, origin: str = "MD") -> set[str]:
    rows = node.sql("SELECT envelope_id FROM exchange_inboundmessage WHERE origin = ?", (origin,))
    return {row[0] for row in rows}


def delivered(node: Any, destination: str) -> Any:
    return node.sql(
        "SELECT m.envelope_id, e.receipt FROM exchange_outboxentry e "
        "JOIN exchange_outboundmessage m ON m.id = e.message_id "
        "JOIN exchange_peer p ON p.id = e.destination_id "
        "WHERE e.status = 'delivered' AND p.country = ?",
        (destination,),
    )


def send(node: Any, to: str = "KZ", count: int = 1) -> Any:
    out = node.manage("message", "send", "--type", "case.update", "--to", to, "--body", BODY,
                      "--count", str(count))  # fmt: skip
    return out.split()


def test_sender_killed_after_commit_is_delivered_after_restart(federation):  # noqa: F811
    fed = federation("MD", "KZ")
    md, kz = fed.node("MD"), fed.node("KZ")
    kz.stop()  # nothing can be delivered: the rows are committed and queued
    ids = send(md, count=3)
    md.kill()  # SIGKILL: no chance to deliver or to clean up
    kz.restart()
    time.sleep(2)
    assert not received(kz) & set(ids)  # (MD's start announcement did arrive)
    md.restart()
    assert wait_for(lambda: received(kz) >= set(ids), timeout=60)

    def ours() -> list[Any]:
        return [row for row in delivered(md, "KZ") if row[0] in ids]

    rows = wait_for(lambda: len(ours()) == 3 and ours())
    kz_key = json.loads(kz.manage("node", "show", "--json"))["keys"][0]["public_key"]
    for envelope_id, receipt in rows:
        receipt = receipt if isinstance(receipt, dict) else json.loads(receipt)
        assert receipt["body"]["ref"] == envelope_id
        assert signing.verify(receipt, kz_key)


def test_rotated_key_is_picked_up_and_old_messages_still_verify(federation):  # noqa: F811
    fed = federation("MD", "KZ", "KG")
    md, kz, kg = fed.node("MD"), fed.node("KZ"), fed.node("KG")
    old = json.loads(md.manage("node", "show", "--json"))["keys"][0]
    before = send(md, to="KZ,KG", count=2)
    wait_for(lambda: received(kz) >= set(before) and received(kg) >= set(before))
    kg.stop()  # KG misses the announcement for now
    md.manage("node", "rotate-key")
    new = [
        k for k in json.loads(md.manage("node", "show", "--json"))["keys"] if k["id"] != old["id"]
    ]
    assert len(new) == 1
    new_id = new[0]["id"]

    def kz_knows() -> Any:
        return kz.sql("SELECT key_id FROM exchange_peerkey WHERE key_id = ?", (new_id,))

    wait_for(kz_knows)
    after = send(md, to="KZ,KG", count=2)
    wait_for(lambda: received(kz) >= set(after))
    signed_by = dict(kz.sql("SELECT envelope_id, key_id FROM exchange_inboundmessage"))
    assert {signed_by[i] for i in after} == {new_id}
    # Old messages still verify with the old key, which stays valid for what it signed.
    for (envelope,) in kz.sql(
        "SELECT envelope FROM exchange_inboundmessage WHERE key_id = ?", (old["id"],)
    ):
        envelope = envelope if isinstance(envelope, dict) else json.loads(envelope)
        assert signing.verify(envelope, old["public_key"])
    # KG, back later, receives the announcement first and then the new messages.
    kg.restart()
    wait_for(lambda: received(kg) >= set(after), timeout=90)
    assert kg.sql("SELECT trusted FROM exchange_peerkey WHERE key_id = ?", (new_id,))
    # GET /keys is signed by the key peers already trust, as of the rotation.
    document = canonical.loads(httpx.get(md.url + "/federation/v1/keys", timeout=10).content)
    assert document["signature"]["key_id"] == old["id"]
    assert signing.verify(document, old["public_key"])
    assert {k["id"] for k in document["body"]["keys"]} == {old["id"], new_id}
    assert "new keys: none" in kz.manage("peer", "refresh-keys", "--country", "MD")
