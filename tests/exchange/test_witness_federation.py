"""Witnessed audit checkpoints between three real node processes (issue 21, "Done when").

One scenario, since every start of a node costs seconds: KZ's checkpoints are co-signed
by KG and UZ; UZ goes down while KZ's log grows, and catches up with ONE checkpoint (the
undelivered one superseded) and one consistency proof; then KZ's log is rewritten in its
database (entries deleted, the chain re-hashed with the project's own code, the head
moved), and its next checkpoint is refused by both witnesses, each alerting with both
heads, while the heads they co-signed, fetched from them over HTTP and verified, no
longer match KZ's rewritten log.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import pytest

from exchange.checkpoints import KEPT_HERE
from tests.fednet import federation  # noqa: F401 (fixture)
from tests.polling import wait_for

pytestmark = pytest.mark.federation

# Run inside KZ (`manage.py shell -c`), node stopped: what an administrator with the
# database could do (tests/audit/rewrite.py, shared with the single-process tests).
REWRITE = "from tests.audit.rewrite import rewrite_without; rewrite_without({3, 4, 5})"
ACTIVITY = "from audit.services import record; record(action='test.activity')"


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def checkpoints_to(kz: Any, country: str) -> list[tuple[str, dict[str, Any]]]:
    """(status, body) of every checkpoint KZ sent to `country`, oldest first."""
    rows = kz.sql(
        "SELECT e.status, m.envelope FROM exchange_outboxentry e "
        "JOIN exchange_outboundmessage m ON e.message_id = m.id "
        "JOIN exchange_peer p ON e.destination_id = p.id "
        "WHERE p.country = ? AND m.type = 'audit.checkpoint' ORDER BY e.id",
        (country,),
    )
    return [(status, _json(envelope)["body"]) for status, envelope in rows]


def latest_is(kz: Any, country: str, status: str) -> dict[str, Any] | None:
    sent = [(s, b) for s, b in checkpoints_to(kz, country) if s != "superseded"]
    return sent[-1][1] if sent and sent[-1][0] == status else None


def send(kz: Any) -> dict[str, str]:
    return dict(json.loads(kz.manage("checkpoint", "send", "--json")))


def received_checkpoints(node: Any) -> int:
    rows = node.sql(
        "SELECT count(*) FROM exchange_inboundmessage "
        "WHERE origin = 'KZ' AND type = 'audit.checkpoint'"
    )
    return int(rows[0][0])


def test_checkpoints_are_witnessed_caught_up_and_a_rewrite_is_refused_by_both(federation):  # noqa: F811
    fed = federation("KZ", "KG", "UZ")
    kz, kg, uz = fed.node("KZ"), fed.node("KG"), fed.node("UZ")

    # 1. An honest node: both peers co-sign its latest head.
    def cosigned_by_both() -> bool:
        send(kz)
        return all(latest_is(kz, c, "delivered") for c in ("KG", "UZ"))

    wait_for(cosigned_by_both, timeout=120, step=1)
    # Idempotent: once the peers' start-up messages are in, a round sends nothing.
    wait_for(lambda: send(kz) == {"KG": "unchanged", "UZ": "unchanged"}, step=1)

    # 2. UZ is down while KZ's log grows twice: its undelivered checkpoint is superseded.
    uz.stop()
    before = received_checkpoints(uz)
    for _ in range(2):
        kz.manage("shell", "-c", ACTIVITY)
        outcomes = wait_for(lambda: (o := send(kz)) and o["UZ"] != "in flight" and o, step=1)
        assert outcomes["UZ"] == "sent"
    statuses = [s for s, _ in checkpoints_to(kz, "UZ")]
    assert statuses.count("superseded") >= 1 and statuses[-1] == "queued"
    latest = checkpoints_to(kz, "UZ")[-1][1]
    cosigned_by_uz = [b for s, b in checkpoints_to(kz, "UZ") if s == "delivered"][-1]
    assert latest["consistency"]["from_size"] == cosigned_by_uz["size"]
    uz.restart()
    wait_for(lambda: latest_is(kz, "UZ", "delivered") == latest, timeout=120, step=1)
    assert received_checkpoints(uz) == before + 1  # one checkpoint, one proof
    wait_for(lambda: latest_is(kz, "KG", "delivered"), step=1)
    kg_head = latest_is(kz, "KG", "delivered") or {}
    assert (kg_head["size"], kg_head["root_hash"]) == (latest["size"], latest["root_hash"])

    # 3. KZ's administrator rewrites its log in the database.
    kz.stop()
    kz.manage("shell", "-c", REWRITE)
    assert "verified" in kz.manage("audit", "verify")  # the chain alone cannot tell
    kz.restart()
    kz.manage("shell", "-c", ACTIVITY)

    def refused_by_both() -> bool:
        if all(latest_is(kz, c, "failed") for c in ("KG", "UZ")):
            return True
        send(kz)  # the node's own round may not have run yet
        return False

    wait_for(refused_by_both, timeout=120, step=1)
    claimed = checkpoints_to(kz, "KG")[-1][1]
    for witness in (kg, uz):
        query = "SELECT params FROM alerts_alert WHERE kind = 'checkpoint_refused'"
        rows = wait_for(partial(witness.sql, query))
        params = _json(rows[-1][0])
        assert params["country"] == "KZ"
        assert (params["witnessed_size"], params["witnessed_root"]) == (
            latest["size"],
            latest["root_hash"],
        )
        assert params["claimed_root"] in {b["root_hash"] for _, b in checkpoints_to(kz, "KG")}
        refused = witness.sql(
            "SELECT details FROM audit_auditentry WHERE action = 'exchange.refused'"
        )
        assert _json(refused[-1][0])["witnessed"]["root_hash"] == latest["root_hash"]
    assert claimed["size"] != latest["size"] or claimed["root_hash"] != latest["root_hash"]

    # 4. The heads the witnesses co-signed contradict KZ's rewritten log, whether read from
    # the receipts kept at KZ or fetched from the witnesses (signed, over HTTP).
    with pytest.raises(RuntimeError) as failed:
        kz.manage("audit", "verify", "--witnessed")
    said = str(failed.value)
    head = f"head of size {latest['size']}, root {latest['root_hash']}"
    named = [line for line in said.splitlines() if line.startswith("CONTRADICTED")]
    for witness in ("KG", "UZ"):
        for source in (KEPT_HERE, f"fetched from {witness}"):
            assert any(f"{head}, signed by {witness}" in n and source in n for n in named), said
