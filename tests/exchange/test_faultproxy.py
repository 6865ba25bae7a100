"""The fault proxy of the test harness does what the network cells rely on (issue 18)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.faultproxy import FaultProxy


class Upstream:
    """Answers every request with 200 and counts the POSTs it processed."""

    def __init__(self) -> None:
        self.posts = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self._answer(b"keys")

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                owner.posts += 1
                self._answer(b"receipt")

            def _answer(self, body: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def proxy() -> Iterator[tuple[FaultProxy, Upstream]]:
    upstream = Upstream()
    with FaultProxy(upstream.port) as fault_proxy:
        yield fault_proxy, upstream
    upstream.server.shutdown()


def client(timeout: float = 5.0) -> httpx.Client:
    return httpx.Client(timeout=httpx.Timeout(timeout, connect=2.0))


def test_forwards_and_delays(proxy: tuple[FaultProxy, Upstream]) -> None:
    fault_proxy, upstream = proxy
    with client() as http:
        assert http.post(fault_proxy.url + "/inbox", content=b"x").content == b"receipt"
        fault_proxy.set_latency(0.5)
        started = time.monotonic()
        assert http.post(fault_proxy.url + "/inbox", content=b"x").status_code == 200
        assert time.monotonic() - started >= 1.0  # there and back
    assert upstream.posts == 2


def test_partition_resets_until_healed(proxy: tuple[FaultProxy, Upstream]) -> None:
    fault_proxy, _ = proxy
    fault_proxy.partition()
    with client() as http, pytest.raises(httpx.TransportError):
        http.get(fault_proxy.url + "/keys")
    fault_proxy.heal()
    with client() as http:
        assert http.get(fault_proxy.url + "/keys").content == b"keys"


def test_blackhole_never_answers(proxy: tuple[FaultProxy, Upstream]) -> None:
    fault_proxy, upstream = proxy
    fault_proxy.blackhole()
    with client(timeout=1.0) as http, pytest.raises(httpx.ReadTimeout):
        http.post(fault_proxy.url + "/inbox", content=b"x")
    assert upstream.posts == 0


def test_cut_and_swallowed_answers_after_the_peer_processed(
    proxy: tuple[FaultProxy, Upstream],
) -> None:
    fault_proxy, upstream = proxy
    fault_proxy.fail_responses("cut", "swallow")
    with client(timeout=1.5) as http:
        assert http.get(fault_proxy.url + "/keys").status_code == 200  # GETs pass
        with pytest.raises(httpx.TransportError):
            http.post(fault_proxy.url + "/inbox", content=b"x")
        with pytest.raises(httpx.ReadTimeout):
            http.post(fault_proxy.url + "/inbox", content=b"x")
        assert http.post(fault_proxy.url + "/inbox", content=b"x").content == b"receipt"
    assert upstream.posts == 3  # each reached the peer
    assert (fault_proxy.counts["cut"], fault_proxy.counts["swallow"]) == (1, 1)
    assert fault_proxy.pending_faults() == 0
