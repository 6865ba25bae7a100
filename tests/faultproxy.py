"""A fault-injecting TCP proxy between two nodes, after Toxiproxy's model (issue 18).

    proxy = FaultProxy(kz.port)                 # listens on a free loopback port
    route_through(md, kz, proxy)                # MD now reaches KZ only through it
    proxy.set_latency(3.0)                      # a slow peer
    proxy.partition(); ...; proxy.heal()        # a partition, then heal
    proxy.fail_responses("cut", "swallow")      # dropped / half-open mid-request

Toxiproxy itself is a Go binary (no Debian or PyPI package here), and PyPI offers only
clients for it, so the harness keeps this small proxy. It forwards bytes; it knows of
HTTP only enough to find where an answer starts (a chunk from upstream beginning with
`HTTP/`) and which request it answers (the method of the last request on the
connection), so that a fault hits "the answer to a POST" and not a probe's GET.

Faults:
- latency: each chunk is delivered `seconds` after it was read, in both directions (a
  pipe's one-way delay: a request and its answer take twice that);
- partition: every open connection is reset and every new one is reset at once (the
  nodes' clients see connection errors, as with Toxiproxy's disabled proxy); heal ends it;
- blackhole: new connections are accepted and never answered (half-open from the
  client's side: it waits for its own timeout);
- fail_responses(kind, ...): the answers to the next POSTs, one kind each: "cut" resets
  the connection when the answer starts (the request reached the peer and was processed,
  the sender never learns it), "swallow" withholds the answer and leaves the connection
  open (half-open: the sender waits for its read timeout).

The proxy runs its own asyncio loop in a daemon thread; controls are thread-safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from deploy.federation import Node

RESPONSE_FAULTS = ("cut", "swallow")


@dataclass(eq=False)  # hashed by identity: kept in a set
class _Connection:
    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter | None = None
    method: bytes = b""
    swallowing: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST (SO_LINGER 0), as a dropped connection looks to its peer."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class FaultProxy:
    port: int

    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.latency = 0.0
        self.mode = "forward"  # forward | partition | blackhole
        self.counts = {"connections": 0, "requests": 0, "reset": 0, "cut": 0, "swallow": 0}
        self._faults: deque[str] = deque()
        self._lock = threading.Lock()
        self._connections: set[_Connection] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._run, name="fault-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10) or self._server is None:
            raise RuntimeError("the fault proxy did not start")
        self.port = int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- controls (any thread) --------------------------------------------------------

    def set_latency(self, seconds: float) -> None:
        self.latency = seconds

    def partition(self) -> None:
        """Reset every connection and every new one until heal()."""
        self.mode = "partition"
        self._call(self._reset_all)

    def blackhole(self) -> None:
        """Accept new connections and never answer them (open ones go on)."""
        self.mode = "blackhole"

    def heal(self) -> None:
        self.mode = "forward"

    def fail_responses(self, *kinds: str) -> None:
        """The answers to the next len(kinds) POSTs: "cut" or "swallow", in order."""
        assert all(kind in RESPONSE_FAULTS for kind in kinds), kinds
        with self._lock:
            self._faults.extend(kinds)

    def pending_faults(self) -> int:
        with self._lock:
            return len(self._faults)

    def close(self) -> None:
        future = asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
        with contextlib.suppress(Exception):
            future.result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- inside the loop ---------------------------------------------------------------

    def _call(self, function: Any) -> None:
        done = threading.Event()

        def run() -> None:
            try:
                function()
            finally:
                done.set()

        self._loop.call_soon_threadsafe(run)
        done.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def listen() -> None:
            self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
            self._ready.set()

        self._loop.run_until_complete(listen())
        self._loop.run_forever()
        self._loop.close()

    def _reset_all(self) -> None:
        for conn in list(self._connections):
            self._drop(conn)
        self.counts["reset"] += len(self._connections)
        self._connections.clear()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        self._reset_all()
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _drop(self, conn: _Connection) -> None:
        _reset(conn.client)
        if conn.upstream is not None:
            conn.upstream.transport.abort()
        for task in conn.tasks:
            task.cancel()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.CancelledError):  # close() cancels every task
            await self._serve(reader, writer)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.counts["connections"] += 1
        conn = _Connection(writer)
        if self.mode == "partition":
            self.counts["reset"] += 1
            _reset(writer)
            return
        self._connections.add(conn)
        if self.mode == "blackhole":
            with contextlib.suppress(Exception):
                while await reader.read(65536):  # read and forget until the client gives up
                    pass
            self._connections.discard(conn)
            writer.transport.abort()
            return
        try:
            up_reader, conn.upstream = await asyncio.open_connection(*self.upstream)
        except OSError:
            self._connections.discard(conn)
            _reset(writer)
            return
        conn.tasks = [
            asyncio.create_task(self._pipe(reader, conn.upstream, conn, upstream=True)),
            asyncio.create_task(self._pipe(up_reader, writer, conn, upstream=False)),
        ]
        await asyncio.gather(*conn.tasks, return_exceptions=True)
        self._connections.discard(conn)
        for end in (writer, conn.upstream):
            end.transport.abort()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    conn: _Connection, *, upstream: bool) -> None:  # fmt: skip
        """Copy one direction; chunks keep their order and each waits `latency`."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                await asyncio.sleep(max(0.0, due - loop.time()))
                if not upstream and not self._answer_goes_through(conn, data):
                    if not conn.swallowing:  # cut: the connection is gone
                        return
                    continue
                writer.write(data)
                await writer.drain()
            with contextlib.suppress(OSError):
                if writer.can_write_eof() and not conn.swallowing:
                    writer.write_eof()

        sender = asyncio.create_task(deliver())
        try:
            while data := await reader.read(65536):
                if upstream:
                    method = data.split(b" ", 1)[0]
                    if method in (b"GET", b"POST", b"PUT", b"HEAD", b"DELETE"):
                        conn.method = method
                        self.counts["requests"] += 1
                queue.put_nowait((loop.time() + self.latency, data))
        except (ConnectionError, OSError):
            pass
        finally:
            queue.put_nowait((loop.time() + self.latency, b""))
            # Swallowing, the client is never told that the peer closed: it waits until
            # it gives up, and its closing ends the other direction.
            with contextlib.suppress(Exception):
                await sender

    def _answer_goes_through(self, conn: _Connection, data: bytes) -> bool:
        if conn.swallowing:
            return False
        if not data.startswith(b"HTTP/") or conn.method != b"POST":
            return True
        with self._lock:
            fault = self._faults.popleft() if self._faults else ""
        if not fault:
            return True
        self.counts[fault] += 1
        if fault == "cut":
            _reset(conn.client)
            if conn.upstream is not None:
                conn.upstream.transport.abort()
            return False
        conn.swallowing = True
        return False


def route_through(node: Node, peer: Node, proxy: FaultProxy) -> None:
    """Make `node` reach `peer` at the proxy's URL (an update of the enrolled peer's URL;
    it takes effect at once: the outbox reads the URL per delivery)."""
    identity = {**peer.identity, "url": proxy.url}
    path = node.dir / f"via-proxy-{peer.country.lower()}.json"
    path.write_text(json.dumps([identity]), encoding="utf-8")
    node.manage("peer", "import", str(path))
