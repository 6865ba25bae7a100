"""The federation runner when a node's port is taken before the node binds it: by a
process that only listens, or by another HTTP server answering as a node. The node moves
to a new port, the other nodes learn its URL, and messages reach it."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.fednet import FakePeer, make_federation

pytestmark = pytest.mark.federation


class Impostor(BaseHTTPRequestHandler):
    """Answers /readyz and /federation/v1/keys as a node would, with a key of its own."""

    peer = FakePeer("KG", "impostor")

    def do_GET(self) -> None:
        body: dict[str, Any] = {"status": "ok"}
        if self.path != "/readyz":
            body = {"origin": "KG", "body": {"keys": [{"public_key": self.peer.public_key}]}}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


# Each node also announces itself (node.keys) when it starts: count only what the test sent.
CASE_UPDATES = "SELECT count(*) FROM exchange_inboundmessage WHERE type = 'case.update'"


@contextmanager
def holding(port: int, *, answering: bool) -> Iterator[None]:
    if answering:
        server = ThreadingHTTPServer(("127.0.0.1", port), Impostor)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield
        finally:
            server.shutdown()
            server.server_close()
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        yield


@pytest.mark.parametrize("answering", [False, True], ids=["listening", "impostor"])
def test_a_node_whose_port_is_taken_moves_and_its_peers_follow(tmp_path, answering):
    fed = make_federation(["MD", "KG"], tmp_path, start=False)
    kg, md = fed.node("KG"), fed.node("MD")
    taken = kg.port
    try:
        with holding(taken, answering=answering):
            fed.start()
            assert kg.port != taken and kg.running
            peers = {p["country"]: p for p in json.loads(md.manage("peer", "list", "--json"))}
            assert peers["KG"]["url"] == kg.url
            md.manage(
                "message",
                "send",
                "--type",
                "case.update",
                "--to",
                "KG",
                "--body",
                json.dumps({"case_ref": "MD-1", "changes": {"status": "open"}}),
            )
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if kg.sql(CASE_UPDATES)[0][0] == 1:
                    break
                time.sleep(0.3)
            assert kg.sql(CASE_UPDATES)[0][0] == 1
    finally:
        fed.stop()
        fed.drop_databases()
