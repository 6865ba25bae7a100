"""Every row of the contract's inbox table, over real HTTP against a real node process."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from exchange import canonical, schemas, signing
from tests.fednet import FakePeer, make_federation

pytestmark = pytest.mark.federation

MD = FakePeer("MD")
TJ = FakePeer("TJ")
UZ = FakePeer("UZ")  # never enrolled
KZ_KEY: dict[str, str] = {}


@pytest.fixture(scope="module")
def kz(tmp_path_factory):
    # 20 requests/s, burst 40: MD's tests stay under it, TJ's flood goes over.
    fed = make_federation(
        ["KZ"],
        tmp_path_factory.mktemp("inbox"),
        env={"EXCHANGE_INBOX_RATE": "20", "EXCHANGE_INBOX_BURST": "40"},
        start=False,
    )
    node = fed.node("KZ")
    node.manage(*MD.enrol_args())
    node.manage(*TJ.enrol_args())
    fed.start()
    KZ_KEY.update(json.loads(node.manage("node", "show", "--json"))["keys"][0])
    yield node
    fed.stop()
    fed.drop_databases()


def post(node, payload: bytes) -> httpx.Response:
    return httpx.post(node.url + "/federation/v1/inbox", content=payload, timeout=30)


def error_code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


def assert_receipt(node, response, envelope) -> None:
    receipt = canonical.loads(response.content)
    assert receipt["type"] == "receipt" and receipt["origin"] == "KZ" and receipt["to"] == ["MD"]
    assert receipt["body"]["ref"] == envelope["id"] == receipt["in_reply_to"]
    assert receipt["body"]["digest"] == signing.digest(envelope)
    assert receipt["signature"]["key_id"] == KZ_KEY["id"]
    assert signing.verify(receipt, KZ_KEY["public_key"])


def test_accepted_then_replayed_gets_the_same_receipt(kz):
    envelope = MD.sign(MD.envelope(["KZ", "KG"]))
    first = post(kz, canonical.dumps(envelope))
    assert first.status_code == 202
    assert_receipt(kz, first, envelope)
    again = post(kz, canonical.dumps(envelope))
    assert again.status_code == 200
    assert again.content == first.content
    rows = kz.sql(
        "SELECT count(*) FROM exchange_inboundmessage WHERE origin = ? AND envelope_id = ?",
        ("MD", envelope["id"]),
    )
    assert rows[0][0] == 1


def test_same_id_other_content_is_a_conflict(kz):
    envelope = MD.envelope(["KZ"])
    assert post(kz, canonical.dumps(MD.sign(envelope))).status_code == 202
    envelope["body"] = {"case_ref": "T-2", "changes": {}}
    response = post(kz, canonical.dumps(MD.sign(envelope)))
    assert (response.status_code, error_code(response)) == (409, "conflict")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda raw: raw.replace(b'","', b'", "', 1),  # whitespace
        lambda raw: json.dumps(json.loads(raw), ensure_ascii=True).encode(),  # escapes, spaces
        lambda raw: raw[:-1] + b',"extra":1}',  # unknown top-level member
        lambda raw: raw.replace(b'"v":1', b'"v":1.0'),  # float
        lambda raw: b"[" + raw + b"]",
        lambda raw: raw[:-1],  # not JSON
    ],
)
def test_malformed(kz, mangle):
    raw = MD.signed_bytes(["KZ"], body={"case_ref": "Т-1", "changes": {}})
    response = post(kz, mangle(raw))
    assert (response.status_code, error_code(response)) == (400, "malformed")


def test_missing_member_is_malformed(kz):
    envelope = MD.sign(MD.envelope(["KZ"]))
    del envelope["thread"]
    response = post(kz, canonical.dumps(envelope))
    assert (response.status_code, error_code(response)) == (400, "malformed")


def test_too_large(kz):
    body = {"case_ref": "T", "changes": {"blob": "x" * (1024 * 1024)}}
    response = post(kz, MD.signed_bytes(["KZ"], body=body))
    assert (response.status_code, error_code(response)) == (413, "too_large")


def test_too_large_without_content_length(kz):
    """Issue 17, posture: a chunked body over 2.5 MB got Django's HTML 400."""

    def chunks() -> Iterator[bytes]:
        for _ in range(48):
            yield b" " * 65536  # 3 MiB in all, sent with Transfer-Encoding: chunked

    response = httpx.post(
        kz.url + "/federation/v1/inbox",
        content=chunks(),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert (response.status_code, error_code(response)) == (413, "too_large")


def test_unknown_peer(kz):
    response = post(kz, UZ.signed_bytes(["KZ"]))
    assert (response.status_code, error_code(response)) == (403, "unknown_peer")


def test_not_addressed_to_this_node(kz):
    response = post(kz, MD.signed_bytes(["KG", "UZ"]))
    assert (response.status_code, error_code(response)) == (403, "not_addressed")


def test_unknown_key(kz):
    stranger = FakePeer("MD", "stranger")
    response = post(kz, canonical.dumps(stranger.sign(stranger.envelope(["KZ"]))))
    assert (response.status_code, error_code(response)) == (401, "unknown_key")
    # A key of another country, even an enrolled one, does not speak for MD.
    response = post(kz, canonical.dumps(MD.sign(MD.envelope(["KZ"]), TJ.key, TJ.key_id)))
    assert (response.status_code, error_code(response)) == (401, "unknown_key")


def test_bad_signature(kz):
    envelope = MD.sign(MD.envelope(["KZ"]))
    envelope["body"]["case_ref"] = "T-tampered"
    response = post(kz, canonical.dumps(envelope))
    assert (response.status_code, error_code(response)) == (401, "bad_signature")


def test_clock_skew(kz):
    future = schemas.format_time(datetime.now(UTC) + timedelta(seconds=600))
    response = post(kz, MD.signed_bytes(["KZ"], created_at=future))
    assert (response.status_code, error_code(response)) == (400, "clock_skew")


@pytest.mark.parametrize(
    "fields",
    [{"type": "case.unknown"}, {"v": 2}, {"type": "receipt"}],
)
def test_unsupported(kz, fields):
    response = post(kz, MD.signed_bytes(["KZ"], **fields))
    assert (response.status_code, error_code(response)) == (422, "unsupported")


@pytest.mark.parametrize(
    ("type_", "body", "handling"),
    [
        ("case.notification", {"case_ref": "X", "summary": "s"}, "H0"),
        ("case.update", {"case_ref": "X", "changes": []}, "H0"),
        ("takedown.status", {"request_ref": "R", "target": "t", "status": "gone", "at": "x"}, "H0"),
        ("case.update", {"case_ref": "X", "changes": {}}, "H3"),  # H3 needs restrictions
    ],
)
def test_invalid_body(kz, type_, body, handling):
    response = post(kz, MD.signed_bytes(["KZ"], type=type_, body=body, handling=handling))
    assert (response.status_code, error_code(response)) == (422, "invalid_body")


def test_unknown_body_members_are_kept(kz):
    body = {"case_ref": "X", "changes": {"a": 1}, "future_member": {"x": [1, 2]}}
    envelope = MD.sign(MD.envelope(["KZ"], body=body))
    assert post(kz, canonical.dumps(envelope)).status_code == 202
    stored = kz.sql(
        "SELECT envelope FROM exchange_inboundmessage WHERE envelope_id = ?", (envelope["id"],)
    )[0][0]
    stored = stored if isinstance(stored, dict) else json.loads(stored)
    assert stored["body"]["future_member"] == {"x": [1, 2]}


def test_every_rejection_is_audited_with_the_address(kz):
    before = kz.sql("SELECT count(*) FROM audit_auditentry WHERE action = 'exchange.rejected'")
    post(kz, b"{}")
    post(kz, UZ.signed_bytes(["KZ"]))
    rows = kz.sql(
        "SELECT client_ip, outcome, details FROM audit_auditentry "
        "WHERE action = 'exchange.rejected' ORDER BY seq DESC LIMIT 2"
    )
    after = kz.sql("SELECT count(*) FROM audit_auditentry WHERE action = 'exchange.rejected'")
    assert after[0][0] - before[0][0] == 2
    codes = set()
    for client_ip, outcome, details in rows:
        assert client_ip == "127.0.0.1" and outcome == "rejected"
        codes.add((details if isinstance(details, dict) else json.loads(details))["code"])
    assert codes == {"malformed", "unknown_peer"}


def test_node_keys_signed_by_an_untrusted_key_is_refused(kz):
    new_key = FakePeer("MD", "rotated")
    keys_body = {
        "keys": [
            {"id": new_key.key_id, "public_key": new_key.public_key,
             "valid_from": "2026-01-01T00:00:00Z", "valid_until": None},
        ]
    }  # fmt: skip
    forged = new_key.sign(new_key.envelope(["KZ"], type="node.keys", body=keys_body))
    response = post(kz, canonical.dumps(forged))
    assert (response.status_code, error_code(response)) == (401, "unknown_key")
    assert post(kz, new_key.signed_bytes(["KZ"])).status_code == 401
    # Signed by the key KZ trusts for MD, the same document is accepted ...
    genuine = MD.sign(MD.envelope(["KZ"], type="node.keys", body=keys_body))
    assert post(kz, canonical.dumps(genuine)).status_code == 202
    # ... and the new key now speaks for MD; the old one still does too.
    assert post(kz, new_key.signed_bytes(["KZ"])).status_code == 202
    assert post(kz, MD.signed_bytes(["KZ"])).status_code == 202


def test_keys_endpoint_serves_a_signed_key_document(kz):
    document = canonical.loads(httpx.get(kz.url + "/federation/v1/keys", timeout=10).content)
    assert document["type"] == "node.keys" and document["to"] == [] and document["origin"] == "KZ"
    assert document["body"]["keys"][0]["public_key"] == KZ_KEY["public_key"]
    assert signing.verify(document, KZ_KEY["public_key"])


def test_rate_limit_per_peer(kz):
    """40 per 2-s window: ten senders at once outrun it however slow the machine is, and no
    window lets more through than its 40 (the node's windows are aligned to the clock)."""
    bodies = [TJ.signed_bytes(["KZ"]) for _ in range(200)]

    def send(body: bytes) -> tuple[float, httpx.Response]:
        response = client.post(kz.url + "/federation/v1/inbox", content=body)
        return time.time(), response

    with httpx.Client(timeout=30) as client, ThreadPoolExecutor(max_workers=10) as pool:
        started = time.time()
        answers = list(pool.map(send, bodies))
    limited = [r for _, r in answers if r.status_code == 429]
    accepted = [r for _, r in answers if r.status_code == 202]
    assert len(limited) + len(accepted) == len(bodies)
    assert limited, "200 envelopes from ten senders at once were never limited"
    assert all(error_code(r) == "rate_limited" for r in limited)
    assert all(int(r.headers["Retry-After"]) >= 1 for r in limited)
    windows = int(max(at for at, _ in answers) // 2) - int(started // 2) + 1
    assert len(accepted) <= 40 * windows
    # MD's own quota is untouched by TJ's flood.
    assert post(kz, MD.signed_bytes(["KZ"])).status_code == 202


def test_wrong_method_and_new_envelope_ids_are_uuids(kz):
    assert httpx.get(kz.url + "/federation/v1/inbox", timeout=10).status_code == 405
    bad = MD.sign(MD.envelope(["KZ"], id="not-a-uuid"))
    assert post(kz, canonical.dumps(bad)).status_code == 400
    assert uuid.UUID(MD.envelope(["KZ"])["id"])
