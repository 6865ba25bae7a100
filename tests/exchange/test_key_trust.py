"""Key trust and replies (contract section 4 and "Key trust and replies", 2026-12).

In-process against the real inbox and database; the compromise runbook end to end
between real node processes at the bottom.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from alerts.models import Alert
from audit.models import AuditEntry
from exchange import canonical, handlers, inbox, schemas, services
from exchange.models import InboundMessage, OutboxEntry, PeerKey
from node import crypto
from node import services as node_services
from tests.fednet import FakePeer, federation  # noqa: F401 (fixture)

KZ = FakePeer("KZ")


def ago(**delta: float) -> str:
    return schemas.format_time(datetime.now(UTC) - timedelta(**delta))


def post(envelope: dict[str, Any], signer: FakePeer = KZ, **sign: Any) -> inbox.Outcome:
    return inbox.receive(canonical.dumps(signer.sign(envelope, **sign)), client_ip="127.0.0.1")


def code(outcome: inbox.Outcome) -> str:
    return str(outcome.body.get("error", {}).get("code", ""))


def keys_body(*keys: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "keys": [
            {"id": key_id, "public_key": public, "valid_from": since, "valid_until": None}
            for key_id, public, since in keys
        ]
    }


def new_public_key() -> str:
    return crypto.public_key_text(Ed25519PrivateKey.generate().public_key())


@pytest.fixture
def node(db, settings, tmp_path):
    settings.NODE_KEY_DIR = tmp_path / "keys"
    settings.NODE_COUNTRY = "MD"
    node_services.node_init()
    services.peer_add(country="KZ", url="http://127.0.0.1:9", keys=[(KZ.key_id, KZ.public_key)])


def test_created_at_older_than_30_days_is_clock_skew(node):
    assert post(KZ.envelope(["MD"], created_at="1970-01-01T00:00:00Z")).status == 400
    outcome = post(KZ.envelope(["MD"], created_at=ago(days=31)))
    assert (outcome.status, code(outcome)) == (400, "clock_skew")
    assert post(KZ.envelope(["MD"], created_at=ago(days=29))).status == 202


def test_node_keys_older_than_the_last_applied_is_stale_and_changes_nothing(node):
    newer = new_public_key()
    first = KZ.envelope(
        ["MD"],
        type="node.keys",
        created_at=ago(minutes=5),
        body=keys_body((KZ.key_id, KZ.public_key, ago(days=1)), ("KZ:next", newer, ago(minutes=5))),
    )
    assert post(first).status == 202
    assert PeerKey.objects.filter(key_id="KZ:next", trusted=True).exists()
    # A leaked key signs a document dated before the last one: receipt, but no effect.
    attacker = new_public_key()
    stale = KZ.envelope(
        ["MD"],
        type="node.keys",
        created_at=ago(minutes=10),
        body=keys_body(("KZ:evil", attacker, ago(minutes=10))),
    )
    outcome = post(stale)
    assert outcome.status == 202
    assert not PeerKey.objects.filter(key_id="KZ:evil").exists()
    assert AuditEntry.objects.filter(action="exchange.keys_stale").exists()


def test_a_key_is_never_valid_before_the_document_that_announces_it(node):
    announced_at = ago(minutes=1)
    document = KZ.envelope(
        ["MD"],
        type="node.keys",
        created_at=announced_at,
        body=keys_body(("KZ:late", new_public_key(), "2020-01-01T00:00:00Z")),
    )
    assert post(document).status == 202
    key = PeerKey.objects.get(key_id="KZ:late")
    assert key.valid_from == schemas.parse_time(announced_at)


def test_node_keys_reusing_a_key_id_with_another_key_is_refused_not_a_500(node):
    document = KZ.envelope(
        ["MD"], type="node.keys", body=keys_body((KZ.key_id, new_public_key(), ago(days=1)))
    )
    outcome = post(document)
    assert (outcome.status, code(outcome)) == (422, "invalid_body")
    assert "another public key" in outcome.body["error"]["message"]
    assert not InboundMessage.objects.filter(envelope_id=document["id"]).exists()
    assert PeerKey.objects.get(key_id=KZ.key_id).public_key == KZ.public_key


def test_distrusted_key_is_refused_whatever_the_dates_and_after_re_enrolment(node):
    assert post(KZ.envelope(["MD"])).status == 202
    call_command("peer", "distrust-key", "--key-id", KZ.key_id)
    outcome = post(KZ.envelope(["MD"], created_at=ago(days=2)))
    assert (outcome.status, code(outcome)) == (401, "unknown_key")
    with pytest.raises(ValidationError, match="distrusted"), translation.override("en"):
        services.peer_add(country="KZ", url="http://127.0.0.1:9", keys=[(KZ.key_id, KZ.public_key)])
    assert not PeerKey.objects.get(key_id=KZ.key_id).trusted
    # A node.keys cannot revive it either: it can only be signed by a trusted key.
    assert AuditEntry.objects.filter(action="exchange.key_distrusted").count() == 1


def test_replace_keys_and_remove_untrust_the_other_keys(node):
    fresh = FakePeer("KZ", "test-2")
    services.peer_add(
        country="KZ",
        url="http://127.0.0.1:9",
        keys=[(fresh.key_id, fresh.public_key)],
        replace_keys=True,
    )
    assert code(post(KZ.envelope(["MD"]))) == "unknown_key"
    assert post(fresh.envelope(["MD"]), signer=fresh).status == 202
    services.peer_deactivate(country="KZ")
    assert not PeerKey.objects.filter(peer__country="KZ", trusted=True).exists()
    # Enrolled again with the compared key, it is trusted again (it was not distrusted).
    services.peer_add(
        country="KZ", url="http://127.0.0.1:9", keys=[(fresh.key_id, fresh.public_key)]
    )
    assert post(fresh.envelope(["MD"]), signer=fresh).status == 202


def test_peer_import_pins_valid_from_and_valid_until(node, tmp_path):
    other = FakePeer("UZ")
    document = {
        "country": "UZ",
        "url": "http://127.0.0.1:9",
        "keys": [
            {
                "id": other.key_id,
                "public_key": other.public_key,
                "valid_from": ago(days=3),
                "valid_until": None,
            }
        ],
    }
    path = tmp_path / "uz.json"
    path.write_text(json.dumps(document))
    call_command("peer", "import", str(path))
    key = PeerKey.objects.get(key_id=other.key_id)
    assert key.valid_from is not None and key.valid_until is None
    # Signed before the key's valid_from: not valid then.
    early = other.envelope(["MD"], created_at=ago(days=4))
    assert code(post(early, signer=other)) == "unknown_key"
    assert post(other.envelope(["MD"]), signer=other).status == 202


def test_production_peers_need_https(node, settings):
    settings.EXCHANGE_PLAIN_HTTP_PEERS = False
    with pytest.raises(ValidationError, match="https"):
        services.peer_add(
            country="UZ",
            url="http://uz.example",
            keys=[(FakePeer("UZ").key_id, FakePeer("UZ").public_key)],
        )
    with pytest.raises(CommandError, match="https"):
        call_command(
            "peer",
            "add",
            "--country",
            "UZ",
            "--url",
            "http://uz.example",
            "--key",
            f"UZ:a={FakePeer('UZ').public_key}",
        )
    uz = FakePeer("UZ")
    peer, _ = services.peer_add(
        country="UZ", url="https://uz.example/", keys=[(uz.key_id, uz.public_key)]
    )
    assert peer.url == "https://uz.example"


def _sent_only_to_uz() -> str:
    uz = FakePeer("UZ")
    services.peer_add(country="UZ", url="http://127.0.0.1:9", keys=[(uz.key_id, uz.public_key)])
    only_uz = services.message_send(
        type="case.update", to=["UZ"], body={"case_ref": "MD-1", "changes": {}}
    )
    return only_uz.envelope_id


def test_replies_must_refer_to_a_message_sent_to_their_origin(node):
    only_uz = _sent_only_to_uz()
    to_kz = services.message_send(
        type="case.update", to=["KZ"], body={"case_ref": "MD-2", "changes": {}}
    ).envelope_id
    ack = {"ref": only_uz, "at": ago(seconds=1)}
    outcome = post(KZ.envelope(["MD"], type="alert.ack", body=ack))
    assert (outcome.status, code(outcome)) == (422, "invalid_body")
    assert "did not send to KZ" in outcome.body["error"]["message"]
    response = {"case_ref": "MD-1", "text": "answer", "status": "answered"}
    stray = KZ.envelope(
        ["MD"], type="case.response", body=response, thread=only_uz, in_reply_to=only_uz
    )
    assert code(post(stray)) == "invalid_body"
    status = {
        "request_ref": "MD-T-1",
        "target": "x.example",
        "status": "blocked",
        "at": ago(seconds=1),
    }
    assert (
        code(post(KZ.envelope(["MD"], type="takedown.status", body=status, thread=only_uz)))
        == "invalid_body"
    )
    assert AuditEntry.objects.filter(action="exchange.rejected").count() == 3
    # What was sent to KZ may be answered by KZ.
    assert (
        post(
            KZ.envelope(["MD"], type="alert.ack", body={"ref": to_kz, "at": ago(seconds=1)})
        ).status
        == 202
    )
    assert OutboxEntry.objects.filter(message__envelope_id=to_kz).exists()


def test_a_failed_handler_alerts_the_coordinators(node, django_capture_on_commit_callbacks):
    def broken(message: Any) -> None:
        raise RuntimeError("a bug in the handler")

    previous = handlers.handler_for("case.update")
    handlers._handlers["case.update"] = broken
    try:
        with django_capture_on_commit_callbacks(execute=True):
            envelope = KZ.envelope(["MD"])
            assert post(envelope).status == 202
    finally:
        handlers._handlers["case.update"] = previous  # type: ignore[assignment]
    assert InboundMessage.objects.get(envelope_id=envelope["id"]).state == "failed"
    alert = Alert.objects.get(kind="receive_failed")
    assert alert.object_id == envelope["id"]
    assert "KZ" in alert.title


def test_rejections_are_audited_up_to_a_limit_then_counted(node, settings):
    settings.EXCHANGE_REJECTION_AUDIT_LIMIT = 3
    settings.EXCHANGE_REJECTION_AUDIT_WINDOW = 1
    time.sleep(1 - time.time() % 1)  # start at the beginning of a window
    for _ in range(8):
        inbox.receive(b"not json", client_ip="192.0.2.7")
    rejected = AuditEntry.objects.filter(client_ip="192.0.2.7")
    assert rejected.filter(action="exchange.rejected").count() == 3
    assert rejected.filter(action="exchange.rejections_throttled").count() == 1
    time.sleep(1.05)
    inbox.receive(b"not json", client_ip="192.0.2.7")
    summary = rejected.get(action="exchange.rejections_suppressed")
    assert summary.details["count"] == 5
    assert rejected.filter(action="exchange.rejected").count() == 4


def _seed(node: Any, key_id: str) -> Ed25519PrivateKey:
    label = key_id.split(":", 1)[1]
    seed = (node.dir / "keys" / f"{label}.seed").read_text().strip()
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed))


def _post(node: Any, envelope: dict[str, Any]) -> httpx.Response:
    return httpx.post(
        node.url + "/federation/v1/inbox",
        content=canonical.dumps(envelope),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )


@pytest.mark.federation
def test_compromise_runbook_end_to_end(federation):  # noqa: F811
    """docs/operations.md, "A node key is compromised": MD's old key leaks after a
    rotation; KZ distrusts it and re-enrols MD with the new key only."""
    fed = federation("MD", "KZ")
    md, kz = fed.node("MD"), fed.node("KZ")
    old = json.loads(md.manage("node", "show", "--json"))["keys"][0]
    leaked = _seed(md, old["id"])
    before_rotation = ago(seconds=0)  # the old key was valid then
    time.sleep(1.1)
    md.manage("node", "rotate-key")
    shown = json.loads(md.manage("node", "show", "--json"))
    new = next(k for k in shown["keys"] if k["id"] != old["id"])
    deadline = time.monotonic() + 60
    while not kz.sql("SELECT 1 FROM exchange_peerkey WHERE key_id = ?", (new["id"],)):
        assert time.monotonic() < deadline, "KZ never learnt MD's new key"
        time.sleep(0.3)
    thief = FakePeer("MD")
    forged = thief.envelope(["KZ"], created_at=before_rotation)
    # Back-dated node.keys adding the thief's key: stale (KZ applied the rotation's).
    evil = thief.envelope(
        ["KZ"],
        type="node.keys",
        created_at=before_rotation,
        body=keys_body(("MD:evil", thief.public_key, before_rotation)),
    )
    assert _post(kz, thief.sign(evil, key=leaked, key_id=old["id"])).status_code == 202
    assert not kz.sql("SELECT 1 FROM exchange_peerkey WHERE key_id = 'MD:evil'")
    # Step 1 of the runbook: distrust the leaked key. Back-dated forgeries now fail.
    kz.manage("peer", "distrust-key", "--key-id", old["id"])
    answer = _post(kz, thief.sign(forged, key=leaked, key_id=old["id"]))
    assert (answer.status_code, answer.json()["error"]["code"]) == (401, "unknown_key")
    # Step 2: re-enrol from MD's `node show --json`, replacing every other key.
    document = kz.dir / "md.json"
    document.write_text(json.dumps({**shown, "keys": [new]}))
    kz.manage("peer", "import", "--replace-keys", str(document))
    assert kz.sql("SELECT trusted FROM exchange_peerkey WHERE key_id = ?", (old["id"],)) in (
        [(0,)],
        [(False,)],
    )
    # MD's messages, signed with the new key, still arrive.
    sent = md.manage(
        "message",
        "send",
        "--type",
        "case.update",
        "--to",
        "KZ",
        "--body",
        json.dumps({"case_ref": "MD-9", "changes": {}}),
    ).split()
    while not kz.sql("SELECT 1 FROM exchange_inboundmessage WHERE envelope_id = ?", (sent[0],)):
        assert time.monotonic() < deadline + 60, "MD's message after re-enrolment never arrived"
        time.sleep(0.3)
