"""A local federation: several real nodes on loopback, each with its own database and keys.

    python -m deploy.federation up --countries KZ,KG,UZ,TJ,MD --base-port 8001 [--dir DIR]

Each node gets its own NODE_VAR_DIR (SQLite database, keys). With DATABASE_URL set, each
gets its own PostgreSQL database `<base db>_<country>` (created if missing); with
REDIS_URL set, its own Redis database number and its Celery worker with beat
(`node run --with-worker`). All are enrolled as peers of each other (`node show --json`
then `peer import`), started, and awaited on /readyz. Ctrl-C or SIGTERM stops them all:
each node runs in its own process group, which is terminated, then killed if it lingers.

The Python API (Federation, Node) is what tests/fednet.py wraps for tests.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit, urlunsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


def ensure_postgres_database(database_url: str, *, fresh: bool = False) -> None:
    """Create the database named in the URL if missing (drop it first when fresh)."""
    import psycopg

    name = urlsplit(database_url).path.lstrip("/")
    admin = _with_path(database_url, "/postgres").replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def drop_postgres_database(database_url: str) -> None:
    import psycopg

    name = urlsplit(database_url).path.lstrip("/")
    admin = _with_path(database_url, "/postgres").replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Progress:
    """One line per step with the seconds since the start: setting up five nodes takes a
    minute or more, and each line shows that it is moving. Safe from several threads
    (nodes are prepared in parallel)."""

    def __init__(
        self, out: TextIO | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.out = out
        self.clock = clock
        self.started = clock()
        self._lock = threading.Lock()

    def elapsed(self) -> float:
        return self.clock() - self.started

    def __call__(self, text: str) -> None:
        line = f"[{self.elapsed():5.1f} s] {text}"
        with self._lock:
            print(line, file=self.out or sys.stdout, flush=True)


def _quiet(text: str) -> None:
    """No progress lines (tests/fednet.py and benchmarks)."""


class PortTaken(RuntimeError):
    """Another process holds the port a node was given."""


class Node:
    """One node process (and its worker) in its own process group."""

    def __init__(self, country: str, port: int, directory: Path, env: dict[str, str]) -> None:
        self.country = country
        self.port = port
        self.dir = directory
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = directory / "node.log"
        self.identity: dict[str, Any] = {}  # its `node show --json`, once initialised

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database_url(self) -> str:
        return self.env.get("DATABASE_URL", "")

    def manage(self, *args: str, check: bool = True, timeout: float = 300) -> str:
        """Run `manage.py ARGS` as this node; returns its standard output."""
        result = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{self.country}: manage.py {' '.join(args)} failed:\n"
                f"{result.stderr.decode(errors='replace')[-3000:]}"
            )
        return result.stdout.decode()

    def start(self, command: list[str] | None = None) -> None:
        """Start `node run` (and its worker with Redis), or `command` in its place (a
        benchmark serving the node through production's gunicorn, say)."""
        if self.running:
            return
        if command is None:
            command = [sys.executable, str(ROOT / "manage.py"), "node", "run"]
            command += ["--port", str(self.port), "--no-migrate"]
            if self.env.get("REDIS_URL"):
                command.append("--with-worker")
        log = open(self.log_path, "ab")  # noqa: SIM115 (handed to the child)
        self.process = subprocess.Popen(
            command,
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout: float = 60) -> None:
        """Until this node answers /readyz. Raises PortTaken when another process holds
        its port: the node could not bind it, or another server answers there."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                tail = self.log_tail()
                if "address already in use" in tail.lower():
                    raise PortTaken(f"{self.country}: port {self.port} is taken:\n{tail}")
                raise RuntimeError(f"{self.country} exited:\n{tail}")
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    if not self._answers_as_itself():
                        raise PortTaken(f"{self.country}: another server answers on {self.url}")
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.country} not ready after {timeout} s; see {self.log_path}")

    def _answers_as_itself(self) -> bool:
        """The server on this port publishes this node's key (when the key is known)."""
        known = {key["public_key"] for key in self.identity.get("keys", [])}
        if not known:
            return True
        document = httpx.get(self.url + "/federation/v1/keys", timeout=5).json()
        published = {key.get("public_key") for key in document.get("body", {}).get("keys", [])}
        return document.get("origin") == self.country and bool(known & published)

    def move_to(self, port: int) -> None:
        """Serve on another port from the next start (peers must learn the new URL)."""
        self.port = port
        self.env["NODE_URL"] = self.url
        self.identity = {**self.identity, "url": self.url}

    def log_tail(self, size: int = 3000) -> str:
        try:
            return self.log_path.read_bytes()[-size:].decode(errors="replace")
        except OSError:
            return "(no log)"

    def processes(self) -> list[int]:
        """The pids of this node's process group (the node, and its worker with Redis)."""
        if self.process is None:
            return []
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with suppress(OSError):
                    # after the name: state, ppid, pgrp, ...
                    if (
                        int((entry / "stat").read_text().rsplit(")", 1)[1].split()[2])
                        == self.process.pid
                    ):
                        pids.append(int(entry.name))
        return pids

    def cpu_seconds(self) -> float:
        """CPU time (user + system) its processes have used so far (Linux /proc)."""
        ticks = 0
        for pid in self.processes():
            with suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        """Resident memory of its processes (Linux /proc)."""
        pages = 0
        for pid in self.processes():
            with suppress(OSError):
                pages += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20

    def _signal_group(self, sig: signal.Signals) -> None:
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def kill(self) -> None:
        """SIGKILL the node and its worker: no chance to finish anything."""
        self._signal_group(signal.SIGKILL)
        if self.process is not None:
            self.process.wait()

    def stop(self, timeout: float = 20) -> None:
        if self.process is None:
            return
        self._signal_group(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=timeout)
        self._signal_group(signal.SIGKILL)  # whatever of the group lingers
        self.process.wait()

    def restart(self) -> None:
        self.start()
        self.wait_ready()

    def sql(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Read this node's database directly (tests count rows with it)."""
        if self.database_url:
            import psycopg

            dsn = self.database_url.replace("postgres://", "postgresql://", 1)
            for attempt in range(10):  # a shared server may be out of connections a moment
                try:
                    with psycopg.connect(dsn) as conn:
                        return list(conn.execute(query.replace("?", "%s"), params).fetchall())
                except psycopg.OperationalError:
                    if attempt == 9:
                        raise
                    time.sleep(1)
        import sqlite3

        lite = sqlite3.connect(f"file:{self.dir / 'db.sqlite3'}?mode=ro", uri=True, timeout=30)
        try:
            return list(lite.execute(query, params).fetchall())
        finally:
            lite.close()


class Federation:
    """Several nodes enrolled with each other. Use as a context manager or start()/stop()."""

    def __init__(
        self,
        countries: list[str],
        directory: Path,
        *,
        base_port: int | None = None,
        env: dict[str, str] | None = None,
        database_url: str | None = None,
        redis_url: str | None = None,
        fresh: bool = False,
        db_suffix: str = "",
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.countries = [c.strip().upper() for c in countries]
        self.progress = progress or _quiet
        self.dir = directory.resolve()
        self.fresh = fresh
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("NODE_")}
        base_env.update(env or {})
        database_url = base_env.pop("DATABASE_URL", "") if database_url is None else database_url
        redis_url = base_env.pop("REDIS_URL", "") if redis_url is None else redis_url
        base_env.pop("DATABASE_URL", None)
        base_env.pop("REDIS_URL", None)
        self.nodes: dict[str, Node] = {}
        for index, country in enumerate(self.countries):
            port = base_port + index if base_port else free_port()
            node_dir = self.dir / country.lower()
            node_dir.mkdir(parents=True, exist_ok=True)
            node_env = dict(base_env)
            node_env.update(
                {
                    "NODE_COUNTRY": country,
                    "NODE_URL": f"http://127.0.0.1:{port}",
                    "NODE_VAR_DIR": str(node_dir),
                    "PYTHONUNBUFFERED": "1",
                    # Local nodes talk over loopback http (the kit's nginx adds TLS).
                    "EXCHANGE_PLAIN_HTTP_PEERS": "1",
                }
            )
            # Several nodes share one PostgreSQL server here: small pools per process.
            node_env.setdefault("DB_POOL_MAX_SIZE", "4")
            if database_url:
                base_name = urlsplit(database_url).path.lstrip("/") or "net247"
                name = f"{base_name}{db_suffix}_{country.lower()}"
                node_env["DATABASE_URL"] = _with_path(database_url, "/" + name)
                node_env.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
            if redis_url:
                parts = urlsplit(redis_url)
                base_db = int(parts.path.lstrip("/") or 0)
                db = (base_db + 1 + index) % 16
                node_env["REDIS_URL"] = _with_path(redis_url, f"/{db}")
                # Two runs on one machine land on the same database numbers: the prefix
                # (stable for this directory, so a restarted node finds its queue) keeps
                # one run's Celery worker from taking the other's tasks.
                digest = hashlib.sha256(str(node_dir).encode()).hexdigest()[:10]
                node_env["REDIS_KEY_PREFIX"] = (
                    base_env.get("REDIS_KEY_PREFIX", "") + f"{country.lower()}-{digest}:"
                )
            self.nodes[country] = Node(country, port, node_dir, node_env)

    def node(self, country: str) -> Node:
        return self.nodes[country.upper()]

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes.values())

    def _each(self, work: Any) -> list[Any]:
        with ThreadPoolExecutor(max_workers=len(self.nodes)) as pool:
            return list(pool.map(work, self.nodes.values()))

    def _flush_redis(self, node: Node) -> None:
        """Delete this node's keys (only its own: the database may be shared)."""
        import redis

        conn = redis.Redis.from_url(node.env["REDIS_URL"])
        keys = list(conn.scan_iter(match=node.env["REDIS_KEY_PREFIX"] + "*", count=1000))
        for start in range(0, len(keys), 1000):
            conn.delete(*keys[start : start + 1000])

    def init(self) -> None:
        """Create databases and identities, and enrol every node with every other."""

        def prepare(node: Node) -> dict[str, Any]:
            if node.database_url:
                ensure_postgres_database(node.database_url, fresh=self.fresh)
            if node.env.get("REDIS_URL") and self.fresh:
                self._flush_redis(node)
            self.progress(f"{node.country}: migrating...")
            node.manage("node", "init")  # migrations; the legal map loads on post_migrate
            self.progress(f"{node.country}: migrated, legal map loaded")
            node.identity = dict(json.loads(node.manage("node", "show", "--json")))
            return node.identity

        def enrol(node: Node) -> None:
            others = [n for n in self if n is not node]
            self._enrol_at(node, others)
            self.progress(f"{node.country}: {len(others)} peers enrolled")

        self._each(prepare)
        self.progress("enrolling peers...")
        self._each(enrol)

    def _enrol_at(self, node: Node, others: list[Node]) -> None:
        """Enrol `others` (their URL and keys) at `node`; an enrolled peer is updated."""
        if not others:
            return
        path = node.dir / "peers.json"
        path.write_text(json.dumps([other.identity for other in others]), encoding="utf-8")
        node.manage("peer", "import", str(path))

    def start(self) -> None:
        """Start every node and wait for it. A node whose port another process took
        (a free port is only free until someone binds it) moves to a new port, which
        every other node learns before it starts again."""
        for node in self:
            self.progress(f"starting {node.country} at {node.url}")
            node.start()

        def ready(node: Node) -> None:
            for attempt in range(3):
                try:
                    node.wait_ready()
                    self.progress(f"{node.country}: ready at {node.url}")
                    return
                except PortTaken:
                    if attempt == 2:
                        raise
                    node.stop()
                    taken = node.port
                    node.move_to(free_port())
                    self.progress(f"{node.country}: port {taken} is taken, moving to {node.port}")
                    for other in self:
                        if other is not node:
                            self._enrol_at(other, [node])
                    node.start()

        self._each(ready)

    def stop(self) -> None:
        self._each(lambda node: node.stop())

    def drop_databases(self) -> None:
        for node in self:
            if node.database_url:
                drop_postgres_database(node.database_url)
            if node.env.get("REDIS_URL"):
                self._flush_redis(node)

    @contextmanager
    def running(self) -> Iterator[Federation]:
        self.init()
        try:
            self.start()
            yield self
        finally:
            self.stop()


def _up(args: argparse.Namespace) -> int:
    federation = Federation(
        args.countries.split(","), Path(args.dir), base_port=args.base_port, progress=Progress()
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    federation.init()
    try:
        federation.start()
        for node in federation:
            print(f"{node.country}  {node.url}  (log: {node.log_path})", flush=True)
        print("federation up; Ctrl-C stops every node", flush=True)
        while not stop.is_set():
            for node in federation:
                if not node.running:
                    print(f"{node.country} exited; see {node.log_path}", flush=True)
            stop.wait(2)
    finally:
        print("stopping...", flush=True)
        federation.stop()
    return 0


def _demo(args: argparse.Namespace) -> int:
    """`demo`: deploy/demo.py's `main(args)`, imported here because it imports this module."""
    from deploy import demo

    return demo.main(args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.federation")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="initialise, enrol and run a local federation")
    up.add_argument("--countries", default="KZ,KG,UZ,TJ,MD")
    up.add_argument("--base-port", type=int, default=8001)
    up.add_argument("--dir", default=str(ROOT / "var" / "federation"))
    demo = sub.add_parser("demo", help="the five-country demo (deploy/demo.py)")
    demo.add_argument("--scenario", action="store_true")
    demo.add_argument("--countries", default="KZ,KG,UZ,TJ,MD")
    demo.add_argument("--base-port", type=int, default=8001)
    demo.add_argument("--dir", default=str(ROOT / "var" / "federation"))
    args = parser.parse_args(argv)
    return _up(args) if args.command == "up" else _demo(args)


if __name__ == "__main__":
    sys.exit(main())
