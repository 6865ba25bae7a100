"""A peer back from an outage is noticed in seconds, whatever its back-off (issue 18):
its start announcement counts as hearing from it, and while it fails its GET /keys is
probed and a verified document counts the same."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from exchange import canonical, outbox, selectors
from exchange import services as exchange_services
from exchange.models import OutboxEntry, Peer
from node import services as node_services
from tests.fednet import FakePeer, federation  # noqa: F401 (fixture)

MD = FakePeer("MD")


class KeysServer:
    """A peer's GET /federation/v1/keys over real HTTP, serving whatever `document` is."""

    def __init__(self) -> None:
        self.document: bytes = b""
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(owner.document)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def md_server() -> Iterator[KeysServer]:
    server = KeysServer()
    yield server
    server.server.shutdown()


@pytest.fixture
def failing_md(db: Any, settings: Any, tmp_path: Any, md_server: KeysServer) -> Peer:
    """KZ, with MD enrolled, failing for an hour and backed off for ten minutes."""
    settings.NODE_KEY_DIR = tmp_path / "keys"
    settings.NODE_COUNTRY = "KZ"
    node_services.node_init()
    exchange_services.peer_add(country="MD", url=md_server.url, keys=[(MD.key_id, MD.public_key)])
    exchange_services.message_send(
        type="case.update", to=["MD"], body={"case_ref": "KZ-1", "changes": {}}
    )
    later = timezone.now() + timedelta(minutes=10)
    Peer.objects.filter(country="MD").update(
        backoff_level=9, failing_since=timezone.now() - timedelta(hours=1), retry_at=later
    )
    OutboxEntry.objects.update(next_attempt_at=later)
    return Peer.objects.get(country="MD")


def keys_document(signer: FakePeer) -> bytes:
    body = {"keys": [{"id": MD.key_id, "public_key": MD.public_key,
                      "valid_from": "2026-01-01T00:00:00Z", "valid_until": None}]}  # fmt: skip
    return canonical.dumps(signer.sign(signer.envelope([], type="node.keys", body=body)))


def test_a_verified_key_document_ends_the_back_off(failing_md: Peer, md_server: KeysServer):
    assert outbox.probe_due() == ["MD"]
    md_server.document = keys_document(MD)
    assert outbox.probe("MD") is True
    peer = Peer.objects.get(country="MD")
    assert (peer.backoff_level, peer.failing_since, peer.probe_error) == (0, None, "")
    assert OutboxEntry.objects.get().next_attempt_at <= timezone.now()
    assert outbox.probe_due() == []


def test_a_document_we_cannot_verify_changes_nothing(failing_md: Peer, md_server: KeysServer):
    md_server.document = keys_document(FakePeer("MD"))  # same id, another private key
    assert outbox.probe("MD") is False
    peer = Peer.objects.get(country="MD")
    assert peer.backoff_level == 9 and peer.failing_since is not None
    assert peer.probe_error.startswith("bad_signature")
    assert outbox.probe_due() == []  # probed just now; again after EXCHANGE_PROBE_SECONDS
    md_server.document = b"<html>maintenance</html>"
    Peer.objects.update(probed_at=None)
    assert outbox.probe("MD") is False
    assert Peer.objects.get(country="MD").probe_error


def test_an_unreachable_peer_stays_failing(failing_md: Peer, md_server: KeysServer):
    md_server.server.shutdown()
    md_server.server.server_close()
    assert outbox.probe("MD") is False
    assert Peer.objects.get(country="MD").failing_since is not None
    health = {p["country"]: p for p in selectors.peers_health()}
    assert health["MD"]["probed_at"] and health["MD"]["probe_error"]


@pytest.mark.federation
def test_a_restarted_node_gets_its_backlog_at_once(federation):  # noqa: F811
    """MD backs off for minutes while KZ is down; KZ's start announcement ends it.
    (Probing is switched off here so that only the announcement can explain it.)"""
    fed = federation(
        "MD",
        "KZ",
        env={
            "EXCHANGE_RETRY_BASE_SECONDS": "300",
            "EXCHANGE_RETRY_MAX_SECONDS": "600",
            "EXCHANGE_PROBE_SECONDS": "3600",
        },
    )
    md, kz = fed.node("MD"), fed.node("KZ")
    kz.stop()
    body = json.dumps({"case_ref": "MD-1", "changes": {}})
    ids = md.manage(
        "message", "send", "--type", "case.update", "--to", "KZ", "--body", body, "--count", "20"
    ).split()
    deadline = time.monotonic() + 60
    while not md.sql("SELECT failing_since FROM exchange_peer WHERE country = 'KZ'")[0][0]:
        assert time.monotonic() < deadline, "MD never tried KZ"
        time.sleep(0.2)
    kz.restart()
    started = time.monotonic()
    while True:
        got = {r[0] for r in kz.sql("SELECT envelope_id FROM exchange_inboundmessage "
                                    "WHERE origin = 'MD'")}  # fmt: skip
        if got >= set(ids):
            break
        assert time.monotonic() - started < 30, f"{len(got & set(ids))} of 20 after 30 s"
        time.sleep(0.2)
    print(f"backlog of 20 delivered {time.monotonic() - started:.1f} s after KZ was up")
