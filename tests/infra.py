"""Private infrastructure for fault tests: a PostgreSQL server, a Redis server and a small
filesystem of the test's own, which it may stop, restart and fill.

The machine's shared PostgreSQL and Redis serve other test runs (and CI's own database):
a fault test never touches them. Each server here lives in a temporary directory, on a
free loopback port, and is stopped at the end of the session.

    def test_x(private_postgres, private_redis, federation):
        fed = federation("MD", "KZ", env=infra_env(private_postgres, private_redis))
        private_postgres.restart()
        private_redis.stop(); ...; private_redis.start()

Each fixture skips (with the reason) where its programs are absent: a fresh user machine
has no PostgreSQL server binaries; this machine and CI have them. `small_disk(size)`
mounts a tmpfs of that size (root only) for a node's NODE_VAR_DIR.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from deploy.federation import ROOT, Federation, free_port

_counter = itertools.count()
PG_BINS = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))


def _as_owner(owner: str | None, command: list[str]) -> list[str]:
    return ["runuser", "-u", owner, "--", *command] if owner else command


def _wait(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise TimeoutError(f"{what} not within {timeout} s")


class PrivatePostgres:
    """One PostgreSQL cluster (initdb) of the test's own, trust authentication on
    127.0.0.1. initdb refuses to run as root: as root the cluster belongs to the
    `postgres` system user."""

    def __init__(self, bin_dir: str, directory: Path, owner: str | None) -> None:
        self.bin = Path(bin_dir)
        self.dir = directory
        self.data = directory / "data"
        self.log = directory / "postgres.log"
        self.owner = owner
        self.port = free_port()

    def _run(self, *command: str, timeout: float = 120) -> None:
        subprocess.run(
            _as_owner(self.owner, list(command)),
            check=True,
            capture_output=True,
            timeout=timeout,
        )

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C")  # fmt: skip

    def url(self, database: str = "net247") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            " -c max_connections=200 -c shared_buffers=32MB"
        )
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                  "-o", options, "-w", "-t", "60", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """`fast` rolls back open transactions and closes connections, as a restart by
        the package does; `immediate` is a crash (recovery on the next start)."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60",
                  "stop")  # fmt: skip

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    @property
    def running(self) -> bool:
        result = subprocess.run(
            _as_owner(self.owner, [str(self.bin / "pg_ctl"), "-D", str(self.data), "status"]),
            capture_output=True,
        )
        return result.returncode == 0

    def template(self) -> str:
        """A database migrated once per session (the legal map loaded), which each node's
        database copies: migrating from scratch costs each node half a minute here."""
        name = "net247_template"
        if self.psql("SELECT 1 FROM pg_database WHERE datname = 'net247_template'").strip():
            return name
        self.psql(f"CREATE DATABASE {name}_tmp")
        var = self.dir / "template-var"
        var.mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NODE_", "REDIS_"))}
        env.update(
            {"DATABASE_URL": self.url(f"{name}_tmp"), "NODE_VAR_DIR": str(var),
             "NODE_COUNTRY": "KZ", "SECRET_KEY": "template-only", "LOG_LEVEL": "WARNING"}
        )  # fmt: skip
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput"],
            env=env, cwd=ROOT, check=True, capture_output=True, timeout=600,
        )  # fmt: skip
        # Renamed once complete: a half-migrated template is never taken for one.
        self.psql(f"ALTER DATABASE {name}_tmp RENAME TO {name}")
        return name

    def copy_template(self, database_url: str) -> None:
        """(Re)create the database a node's DATABASE_URL names, as a copy of the template."""
        name = urlsplit(database_url).path.lstrip("/")
        template = self.template()
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.psql(f'CREATE DATABASE "{name}" TEMPLATE {template}')

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL as the superuser; returns the unaligned output."""
        result = subprocess.run(
            [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "-d", database, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        return result.stdout.decode()


class PrivateRedis:
    """One redis-server of the test's own, with no persistence: a restart loses every
    key, as a Redis holding no truth may (the database is the node's truth)."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.port = free_port()
        self.log = directory / "redis.log"
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        if self.running:
            return
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                   "--dir", str(self.dir), "--save", "", "--appendonly", "no",
                   "--logfile", str(self.log), "--daemonize", "no"]  # fmt: skip
        self.process = subprocess.Popen(command, start_new_session=True)
        _wait(self.ping, 30, "redis-server answering")

    def ping(self) -> bool:
        result = subprocess.run(
            ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, timeout=10
        )
        return result.stdout.strip() == b"PONG"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def infra_env(postgres: PrivatePostgres, redis: PrivateRedis) -> dict[str, str]:
    """A federation's environment putting its nodes on the private servers (each node
    gets its own database and Redis database number, as in CI's PostgreSQL pass)."""
    return {"DATABASE_URL": postgres.url(), "REDIS_URL": redis.url()}


@pytest.fixture
def infra_federation(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., Federation]]:
    """infra_federation("MD", "KZ", postgres=..., redis=..., env={...}) -> a started
    Federation (tests/fednet.py's, with the same test settings) whose nodes run on the
    private servers, their databases copied from the migrated template. Without
    `postgres` and `redis` the nodes are embedded (SQLite, in-process background work),
    whatever DATABASE_URL/REDIS_URL the test run has. Stopped after the test."""
    from tests.fednet import TEST_ENV

    started: list[tuple[Federation, PrivatePostgres | None]] = []

    def factory(
        *countries: str,
        postgres: PrivatePostgres | None = None,
        redis: PrivateRedis | None = None,
        env: dict[str, str] | None = None,
        dirs: dict[str, Path] | None = None,
    ) -> Federation:
        fed = Federation(
            list(countries),
            tmp_path_factory.mktemp("infra-fed"),
            env={**TEST_ENV, **(env or {})},
            database_url=postgres.url() if postgres else "",
            redis_url=redis.url() if redis else "",
            db_suffix=f"_i{os.getpid()}_{next(_counter)}",
        )
        for country, directory in (dirs or {}).items():
            node = fed.node(country)
            node.dir = directory
            node.log_path = directory / "node.log"
            node.env["NODE_VAR_DIR"] = str(directory)
        started.append((fed, postgres))
        if postgres:
            for node in fed:
                postgres.copy_template(node.database_url)
        fed.init()
        fed.start()
        return fed

    yield factory
    for fed, postgres in started:
        fed.stop()
        if postgres is not None and postgres.running:
            with contextlib.suppress(Exception):  # a server a failed test left stopped
                fed.drop_databases()


def _pg_owner() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return None
    return "postgres"


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PrivatePostgres]:
    if not PG_BINS or not Path(PG_BINS[-1], "initdb").exists():
        pytest.skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb)")
    owner = _pg_owner()
    if os.geteuid() == 0 and owner is None:
        pytest.skip("running as root and no `postgres` user to own a private cluster")
    directory = Path(tempfile.mkdtemp(prefix="net247-pg-"))
    if owner:
        record = pwd.getpwnam(owner)
        os.chown(directory, record.pw_uid, record.pw_gid)
    server = PrivatePostgres(PG_BINS[-1], directory, owner)
    try:
        server.init()
        server.start()
        yield server
    finally:
        with contextlib.suppress(Exception):
            if server.running:
                server.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def postgres_up(private_postgres: PrivatePostgres) -> Iterator[PrivatePostgres]:
    """The session's server, started again after a test that left it stopped."""
    if not private_postgres.running:
        private_postgres.start()
    yield private_postgres
    if not private_postgres.running:
        private_postgres.start()


@pytest.fixture(scope="session")
def private_redis() -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        pytest.skip("no redis-server / redis-cli on this machine")
    directory = Path(tempfile.mkdtemp(prefix="net247-redis-"))
    server = PrivateRedis(directory)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def redis_up(private_redis: PrivateRedis) -> Iterator[PrivateRedis]:
    """The session's server, started again after a test that left it stopped."""
    private_redis.start()
    yield private_redis
    private_redis.start()


class SmallDisk:
    """A tmpfs of a few megabytes: a node's NODE_VAR_DIR on it fills up for real."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.ballast = path / "ballast"

    def fill(self) -> None:
        """Write zeros until the filesystem refuses (ENOSPC), in smaller and smaller
        pieces, so that not a page is left."""
        fd = os.open(self.ballast, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for size in (1 << 20, 1 << 16, 1 << 12, 1 << 9):
                chunk = b"\0" * size
                with contextlib.suppress(OSError):
                    while True:
                        os.write(fd, chunk)
        finally:
            os.close(fd)

    def free(self) -> None:
        self.ballast.unlink(missing_ok=True)

    def available(self) -> int:
        stat = os.statvfs(self.path)
        return stat.f_bavail * stat.f_frsize


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[[str], SmallDisk]]:
    """small_disk("64m") -> a tmpfs mounted for this test, unmounted after it."""
    mounted: list[Path] = []

    def mount(size: str) -> SmallDisk:
        path = tmp_path / f"disk{len(mounted)}"
        path.mkdir()
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
            capture_output=True,
        )
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")
        mounted.append(path)
        return SmallDisk(path)

    yield mount
    for path in mounted:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)
