"""1,000 notifications from MD to four nodes while KZ is SIGKILLed and restarted twice.

Every message must be stored exactly once at every destination, and MD must hold a
receipt for each delivery that verifies with the destination's key and pins the digest.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import pytest

from deploy.federation import ROOT
from exchange import signing
from tests.fednet import federation  # noqa: F401 (fixture)

pytestmark = pytest.mark.federation
COUNT = 1000
DESTINATIONS = ["KZ", "KG", "UZ", "TJ"]
BODY = {
    "case_ref": "MD-2026-{n}",
    "title": "Вербовка {n}",
    "summary": "Объявления в Telegram",
    "offence": {"country": "MD", "code": "CC", "article": "220/1"},
    "facts": ["online"],
    "indicators": [{"kind": "phone", "value": "+37369{n}"}],
    "urgency": "routine",
}


# The notifications only: each node's start announcement (node.keys) arrives too.
FROM_MD = (
    "SELECT envelope_id FROM exchange_inboundmessage "
    "WHERE origin = 'MD' AND type = 'case.notification'"
)


def count_from_md(node: Any) -> int:
    rows = node.sql(FROM_MD.replace("envelope_id", "count(*)", 1))
    return int(rows[0][0])


def wait_until(
    predicate: Any, timeout: float, sender: subprocess.Popen[bytes] | None = None
) -> None:
    """Until predicate(); a sender that died meanwhile fails the wait at once, with its
    error (a CI run once waited 240 s for messages a crashed sender never queued)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if sender is not None and sender.poll() not in (None, 0):
            _, err = sender.communicate()
            raise AssertionError(f"the sender failed: {err.decode()[-3000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout} s")
        time.sleep(0.5)


def test_thousand_notifications_survive_a_receiver_killed_twice(federation):  # noqa: F811
    fed = federation(
        *DESTINATIONS, "MD", env={"EXCHANGE_INBOX_RATE": "1000", "EXCHANGE_INBOX_BURST": "4000"}
    )
    md, kz = fed.node("MD"), fed.node("KZ")
    started = time.monotonic()
    sender = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "message", "send", "--type",
         "case.notification", "--to", ",".join(DESTINATIONS), "--body", json.dumps(BODY),
         "--count", str(COUNT)],
        env=md.env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        for threshold in (COUNT // 5, COUNT // 2):
            wait_until(lambda t=threshold: count_from_md(kz) >= t, timeout=240, sender=sender)
            kz.kill()
            time.sleep(1)
            kz.restart()
        out, err = sender.communicate(timeout=300)
    finally:
        if sender.poll() is None:
            sender.kill()
    assert sender.returncode == 0, err.decode()[-2000:]
    sent = set(out.decode().split())
    assert len(sent) == COUNT

    for country in DESTINATIONS:
        node = fed.node(country)
        wait_until(lambda n=node: count_from_md(n) >= COUNT, timeout=300)
        rows = node.sql(FROM_MD)
        ids = [row[0] for row in rows]
        assert len(ids) == COUNT and set(ids) == sent  # each exactly once, nothing else

    def all_receipted() -> bool:
        rows = md.sql(
            "SELECT count(*) FROM exchange_outboxentry e JOIN exchange_outboundmessage m "
            "ON m.id = e.message_id WHERE e.status = 'delivered' AND m.type = 'case.notification'"
        )
        return int(rows[0][0]) == COUNT * len(DESTINATIONS)

    wait_until(all_receipted, timeout=120)
    keys = {}
    for country in DESTINATIONS:
        shown = json.loads(fed.node(country).manage("node", "show", "--json"))
        keys[country] = {k["id"]: k["public_key"] for k in shown["keys"]}
    rows = md.sql(
        "SELECT p.country, m.envelope_id, m.envelope, e.receipt FROM exchange_outboxentry e "
        "JOIN exchange_outboundmessage m ON m.id = e.message_id "
        "JOIN exchange_peer p ON p.id = e.destination_id WHERE m.type = 'case.notification'"
    )
    assert len(rows) == COUNT * len(DESTINATIONS)
    for country, envelope_id, envelope, receipt in rows:
        envelope = envelope if isinstance(envelope, dict) else json.loads(envelope)
        receipt = receipt if isinstance(receipt, dict) else json.loads(receipt)
        assert receipt["origin"] == country and receipt["body"]["ref"] == envelope_id
        assert receipt["body"]["digest"] == signing.digest(envelope)
        assert signing.verify(receipt, keys[country][receipt["signature"]["key_id"]])
    print(f"\n{COUNT} x {len(DESTINATIONS)} delivered in {time.monotonic() - started:.0f} s")
