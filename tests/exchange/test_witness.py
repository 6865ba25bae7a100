"""Witnessed audit checkpoints (issue 21), in process against the real inbox and database.

The witness's checks (exchange/witness.py): a peer (FakePeer KZ) sends checkpoints of a
log the test builds with audit.merkle; this node (MD) co-signs or refuses. The origin's
side (exchange/checkpoints.py): MD's own checkpoints to KZ, their supersession, the heads
kept and fetched for `audit verify`, exported heads. Between real node processes:
tests/exchange/test_witness_federation.py.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from alerts import labels
from alerts.models import Alert, Page
from audit import merkle, witnesses
from audit import services as audit_services
from audit.models import AuditEntry
from exchange import canonical, checkpoints, inbox, outbox, schemas, selectors, services, signing
from exchange.models import OutboxEntry, OutboxStatus, WitnessedHead
from node import crypto, keystore
from node import services as node_services
from tests import factories
from tests.accounts.helpers import create_user, verified_client
from tests.fednet import FakePeer, now_text

KZ = FakePeer("KZ")
LEAVES = [merkle.leaf_hash(bytes([n]) * 32) for n in range(40)]


def root(size: int, leaves: list[bytes] = LEAVES) -> str:
    return merkle.root(leaves, size).hex()


def checkpoint(size: int, since: int | None = None, leaves: list[bytes] = LEAVES,
               **consistency: Any) -> dict[str, Any]:  # fmt: skip
    body: dict[str, Any] = {"size": size, "root_hash": root(size, leaves), "at": now_text()}
    if since is not None:
        proof = merkle.consistency_proof(leaves, since, size) if since <= size else []
        body["consistency"] = {
            "from_size": since,
            "from_root": root(since, leaves),
            "proof": [h.hex() for h in proof],
            **consistency,
        }
    return KZ.envelope(["MD"], type="audit.checkpoint", body=body)


def post(envelope: dict[str, Any]) -> inbox.Outcome:
    return inbox.receive(canonical.dumps(KZ.sign(envelope)), client_ip="127.0.0.1")


def refusal(outcome: inbox.Outcome) -> str:
    assert outcome.status == 422, outcome.body
    assert outcome.body["error"]["code"] == "invalid_body"
    return str(outcome.body["error"]["message"])


@pytest.fixture
def node(db, settings, tmp_path):
    settings.NODE_KEY_DIR = tmp_path / "keys"
    settings.NODE_COUNTRY = "MD"
    settings.BACKGROUND = "celery"  # delivery tasks stay queued: nothing answers here
    node_services.node_init()
    services.peer_add(country="KZ", url="http://127.0.0.1:9", keys=[(KZ.key_id, KZ.public_key)])


def test_witness_cosigns_an_extension_and_answers_a_repeat_with_the_same_receipt(node):
    first = post(checkpoint(5))  # trust on first use
    assert first.status == 202 and first.body["type"] == "receipt"
    second_envelope = checkpoint(9, since=5)
    second = post(second_envelope)
    assert second.status == 202
    again = post(second_envelope)
    assert (again.status, again.body) == (200, second.body)
    heads = list(WitnessedHead.objects.values_list("origin", "size", "root_hash"))
    assert heads == [("KZ", 5, root(5)), ("KZ", 9, root(9))]
    assert post(checkpoint(9)).status == 202  # the same head again: nothing new, no proof


@pytest.mark.parametrize(
    "claim, words",
    [
        (lambda: checkpoint(4, since=9), "rollback: size 4 is smaller"),
        (lambda: checkpoint(9, leaves=LEAVES[:3] + LEAVES[4:]), "fork: root"),
        (lambda: checkpoint(12), "no consistency proof from the head witnessed here"),
        (lambda: checkpoint(12, since=5), "the consistency proof starts at size 5"),
        (lambda: checkpoint(12, since=9, proof=["00" * 32]), "does not verify"),
        # A log rewritten below the head witnessed: its own proof cannot hide it.
        (lambda: checkpoint(12, since=9, leaves=LEAVES[:2] + LEAVES[3:]), "starts at size 9"),
    ],
)
def test_a_checkpoint_that_does_not_extend_the_witnessed_head_is_refused_audited_alerted(
    node, claim, words
):
    coordinator = factories.coordinator("coord-md")
    assert post(checkpoint(9)).status == 202
    envelope = claim()
    message = refusal(post(envelope))
    assert words in message and "KZ" in message
    assert WitnessedHead.objects.filter(origin="KZ").count() == 1  # nothing stored
    entry = AuditEntry.objects.get(action="exchange.refused")
    assert entry.actor == "KZ" and entry.object_id == envelope["id"]
    assert entry.details["witnessed"] == {"size": 9, "root_hash": root(9)}
    assert entry.details["claimed"] == {
        "size": envelope["body"]["size"],
        "root_hash": envelope["body"]["root_hash"],
    }
    alert = Alert.objects.get(kind="checkpoint_refused")
    assert alert.params["country"] == "KZ"
    assert (alert.params["witnessed_size"], alert.params["witnessed_root"]) == (9, root(9))
    assert alert.params["claimed_root"] == envelope["body"]["root_hash"]
    assert Page.objects.filter(alert=alert, user=coordinator).exists()
    with translation.override("ru"):
        assert "Журнал аудита страны Казахстан не продолжает" in labels.alert_title(alert)
        summary = labels.alert_summary(alert)
    assert f"размер 9, корень {root(9)}" in summary
    assert envelope["body"]["root_hash"] in summary
    # Refused, not stored: the same envelope again is judged again, not answered as seen.
    assert refusal(post(envelope)) == message


def test_witnessed_endpoint_serves_the_last_head_signed_for_the_origin(node, client):
    assert client.get("/federation/v1/audit/witnessed/UZ").status_code == 404
    empty = canonical.loads(client.get("/federation/v1/audit/witnessed/KZ").content)
    assert empty["type"] == "audit.witnessed" and empty["body"] == {"origin": "KZ", "head": None}
    assert post(checkpoint(5)).status == 202
    envelope = checkpoint(9, since=5)
    assert post(envelope).status == 202
    document = canonical.loads(client.get("/federation/v1/audit/witnessed/KZ").content)
    assert document["to"] == ["KZ"] and document["origin"] == "MD"
    head = document["body"]["head"]
    assert (head["size"], head["root_hash"], head["checkpoint"]) == (9, root(9), envelope["id"])
    assert signing.verify(document, keystore.current_key().public_key)
    assert schemas.body_problems("audit.witnessed", document["body"]) == []


# -- the origin's side: MD's own checkpoints to KZ ----------------------------------------


def kz_receipt(entry: OutboxEntry) -> dict[str, Any]:
    """What KZ answers when it co-signs: its receipt for the checkpoint (contract)."""
    message = entry.message
    envelope = KZ.envelope(["MD"], type="receipt", in_reply_to=message.envelope_id,
                           thread=message.thread,
                           body={"ref": message.envelope_id, "digest": message.digest,
                                 "received_at": now_text()})  # fmt: skip
    return KZ.sign(envelope)


def cosign(entry: OutboxEntry) -> None:
    outbox._delivered(entry, kz_receipt(entry), 202)


def log_grows(count: int = 3) -> None:
    for n in range(count):
        audit_services.record(action="test.something", details={"n": n})


def test_origin_sends_once_per_change_supersedes_the_undelivered_and_proves_from_the_cosigned(
    node,
):
    log_grows()
    assert checkpoints.send() == {"KZ": "sent"}
    assert checkpoints.send() == {"KZ": "unchanged"}  # its own send entry is no change
    first = OutboxEntry.objects.get(message__type="audit.checkpoint")
    assert "consistency" not in first.message.envelope["body"]  # trust on first use

    log_grows()
    assert checkpoints.send() == {"KZ": "sent"}
    first.refresh_from_db()
    assert first.status == OutboxStatus.SUPERSEDED and first.superseded_at is not None
    second = checkpoints.last_sent(first.destination)
    assert second is not None and second.status == OutboxStatus.QUEUED
    cosign(second)
    cosigned = checkpoints.head_of(second)
    assert checkpoints.send() == {"KZ": "unchanged"}

    log_grows()
    assert checkpoints.send() == {"KZ": "sent"}
    third = checkpoints.last_sent(first.destination)
    assert third is not None
    body = third.message.envelope["body"]
    consistency = body["consistency"]
    assert (consistency["from_size"], consistency["from_root"]) == (
        cosigned.size,
        cosigned.root_hash,
    )
    assert merkle.verify_consistency(
        cosigned.size,
        body["size"],
        bytes.fromhex(cosigned.root_hash),
        bytes.fromhex(body["root_hash"]),
        [bytes.fromhex(h) for h in consistency["proof"]],
    )
    assert body["root_hash"] == audit_services.tree_head(body["size"])["root_hash"]
    kept = checkpoints.cosigned_heads()
    assert [(h.size, h.root_hash, h.signed_by, h.source) for h in kept] == [
        (cosigned.size, cosigned.root_hash, "KZ", checkpoints.KEPT_HERE)
    ]


def test_a_checkpoint_being_posted_is_not_superseded(node):
    log_grows()
    checkpoints.send()
    entry = OutboxEntry.objects.get(message__type="audit.checkpoint")
    assert outbox._claim(entry.pk, entry.next_attempt_at)  # a worker is posting it now
    log_grows()
    assert checkpoints.send() == {"KZ": "in flight"}
    entry.refresh_from_db()
    assert entry.status == OutboxStatus.QUEUED


def witnessed_answer(head: dict[str, Any] | None, signer: FakePeer = KZ,
                     to: tuple[str, ...] = ("MD",)) -> bytes:  # fmt: skip
    envelope = signer.envelope(list(to), type="audit.witnessed",
                               body={"origin": "MD", "head": head})  # fmt: skip
    return canonical.dumps(signer.sign(envelope))


def test_a_peers_witnessed_answer_is_read_only_when_it_signed_it_for_us(node):
    head = {"size": 9, "root_hash": root(9), "at": now_text(), "witnessed_at": now_text(),
            "checkpoint": "0193a5e8-7c1d-7b2e-9f00-3d2c1b0a9e8f"}  # fmt: skip
    signed = checkpoints.read_witnessed("KZ", witnessed_answer(head))
    assert signed is not None and (signed.size, signed.root_hash, signed.signed_by) == (
        9,
        root(9),
        "KZ",
    )
    assert checkpoints.read_witnessed("KZ", witnessed_answer(None)) is None
    impostor = FakePeer("KZ")  # KZ's name, another key
    with pytest.raises(checkpoints.WitnessedProblem, match="bad_signature"):
        checkpoints.read_witnessed("KZ", witnessed_answer(head, impostor))
    with pytest.raises(checkpoints.WitnessedProblem, match="another node"):
        checkpoints.read_witnessed("KZ", witnessed_answer(head, to=("UZ",)))


def test_exported_head_verifies_with_this_nodes_keys_only(node):
    log_grows()
    document = checkpoints.export_document()
    assert document["to"] == [] and "consistency" not in document["body"]
    data = canonical.dumps(document)
    head = checkpoints.read_exported(data, "backup.head")
    assert (head.size, head.root_hash, head.signed_by, head.source) == (
        document["body"]["size"],
        audit_services.tree_head(document["body"]["size"])["root_hash"],
        keystore.current_key().key_id,
        "backup.head",
    )
    reader = witnesses.head_file_reader()
    assert reader is not None and reader(data).root_hash == head.root_hash
    tampered = {**document, "body": {**document["body"], "size": document["body"]["size"] + 1}}
    with pytest.raises(ValueError, match="signature"):
        checkpoints.read_exported(canonical.dumps(tampered))
    stranger = Ed25519PrivateKey.generate()
    unsigned = {k: v for k, v in document.items() if k != "signature"}
    foreign = signing.sign(unsigned, key_id="MD:stolen", private_key=stranger)
    with pytest.raises(ValueError, match="not a key of this node"):
        checkpoints.read_exported(canonical.dumps(foreign))
    assert crypto.public_key_text(stranger.public_key()) != keystore.current_key().public_key
    with pytest.raises(ValueError, match="canonical"):
        checkpoints.read_exported(b'{"v": 1}')


def test_audit_sees_the_sources_exchange_registered():
    names = set(witnesses.head_sources())
    assert "kept here" in names and "fetched from KG" in names


def test_auditor_page_shows_the_witnesses(node, settings):
    settings.LANGUAGE_CODE = "en"
    log_grows()
    checkpoints.send()
    client = verified_client(Client(), create_user("aud.md", "auditor"))
    page = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="witness-list"' in page and 'data-country="KZ"' in page
    assert "behind: the latest checkpoint is not delivered yet" in page
    cosign(OutboxEntry.objects.get(message__type="audit.checkpoint"))
    page = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-state="cosigned"' in page and "co-signed the latest checkpoint" in page


def test_checkpoint_export_command_writes_a_head_the_reader_verifies(node, tmp_path):
    log_grows()
    out = io.StringIO()
    call_command("checkpoint", "export", "-", stdout=out)
    head = checkpoints.read_exported(out.getvalue().encode(), "stdout")
    assert head.root_hash == audit_services.tree_head(head.size)["root_hash"]
    target = tmp_path / "head.json"
    call_command("checkpoint", "export", str(target), stdout=io.StringIO())
    assert checkpoints.read_exported(target.read_bytes()).size >= head.size


def test_a_checkpoint_that_may_be_stored_there_is_retried_not_superseded(node):
    log_grows()
    checkpoints.send()
    entry = OutboxEntry.objects.get(message__type="audit.checkpoint")
    OutboxEntry.objects.filter(pk=entry.pk).update(attempts=1, last_error="ReadTimeout: timed out")
    log_grows()
    assert checkpoints.send() == {"KZ": "in flight"}
    OutboxEntry.objects.filter(pk=entry.pk).update(last_error="ConnectError: [Errno 111] refused")
    assert checkpoints.send() == {"KZ": "sent"}
    entry.refresh_from_db()
    assert entry.status == OutboxStatus.SUPERSEDED


def test_superseded_checkpoints_are_shown_per_peer(node):
    for _ in range(3):
        log_grows()
        checkpoints.send()
    health = {row["country"]: row for row in selectors.peers_health()}
    assert (health["KZ"]["queued"], health["KZ"]["superseded"]) == (1, 2)
    client = verified_client(Client(), create_user("coord.md", "coordinator"))
    client.cookies["django_language"] = "ru"
    page = client.get("/peers/").content.decode()
    assert "Контрольные точки журнала аудита заменены" in page
    assert "2: каждая заменена более новой до доставки" in page


def test_checkpoint_commands_send_and_show(node):
    log_grows()
    out = io.StringIO()
    call_command("checkpoint", "send", "--no-deliver", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"KZ": "sent"}
    out = io.StringIO()
    call_command("checkpoint", "status", "--json", stdout=out)
    (row,) = json.loads(out.getvalue())
    assert (row["country"], row["state"], row["cosigned_size"]) == ("KZ", "behind", None)
    cosign(OutboxEntry.objects.get(message__type="audit.checkpoint"))
    out = io.StringIO()
    call_command("checkpoint", "status", stdout=out)
    assert out.getvalue().startswith("KZ: cosigned; last co-signed ")
