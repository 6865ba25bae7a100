"""A real resolver loads the RPZ a node serves (issue 23).

Debian's unbound (deploy/ensure-unbound.sh installs it for `make test`) runs as a child
process with its own configuration in a temporary directory, on a free port, without a
root trust anchor or upstream: the test domains are its local data, so no network is
needed. The RPZ is pulled from the node with a registry token and loaded as it is.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dns.exception
import dns.message
import dns.query
import dns.rcode
import pytest
from django.test import Client

from cases import takedowns
from cases.blocking import services
from tests import factories
from tests.accounts.helpers import create_user
from tests.cases.test_blocking_feed import MD, received

UNBOUND = shutil.which("unbound") or shutil.which("unbound", path="/usr/sbin:/usr/local/sbin")

pytestmark = pytest.mark.skipif(
    UNBOUND is None,
    reason="Debian's unbound is not installed (deploy/ensure-unbound.sh, as root)",
)

COMMON = """
server:
    interface: 127.0.0.1
    port: {port}
    do-ip6: no
    do-daemonize: no
    use-syslog: no
    logfile: "{dir}/unbound.log"
    verbosity: 1
    username: ""
    chroot: ""
    directory: "{dir}"
    pidfile: "{dir}/unbound.pid"
    access-control: 127.0.0.0/8 allow
remote-control:
    control-enable: no
"""
# The test domains' "authority": local data (answered before any policy, so it cannot be
# the resolver itself).
AUTHORITY = """
server:
    local-zone: "md." static
    local-data: "md. 60 IN SOA localhost. hostmaster.localhost. 1 3600 600 86400 60"
    local-data: "webcam-jobs.md. 60 IN A 192.0.2.10"
    local-data: "www.webcam-jobs.md. 60 IN A 192.0.2.10"
    local-data: "library.md. 60 IN A 192.0.2.20"
"""
# The resolver a registry runs: recursion to the authority, the feed's RPZ on top.
RESOLVER = """
server:
    do-not-query-localhost: no
    module-config: "respip iterator"
stub-zone:
    name: "md."
    stub-addr: 127.0.0.1@{authority_port}
rpz:
    name: "net247.rpz."
    zonefile: "{dir}/feed.rpz"
    rpz-log: yes
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Unbound:
    def __init__(self, directory: Path, extra: str, **values: Any) -> None:
        directory.mkdir()
        self.dir = directory
        self.port = _free_port()
        config = (COMMON + extra).format(port=self.port, dir=directory, **values)
        (directory / "unbound.conf").write_text(config)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, rpz: bytes = b"") -> None:
        """(Re)start (the resolver on the RPZ just pulled), and wait until it answers."""
        self.stop()
        if rpz:
            (self.dir / "feed.rpz").write_bytes(rpz)
        assert UNBOUND is not None
        self.process = subprocess.Popen(
            [UNBOUND, "-d", "-c", str(self.dir / "unbound.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.dir / "unbound.log").read_text(errors="replace")
                pytest.fail(f"unbound exited: {self.process.stderr!r} {log}")
            try:
                self.rcode("library.md")
                return
            except (TimeoutError, OSError, dns.exception.Timeout):
                time.sleep(0.1)
        pytest.fail("unbound did not answer within 10 s")

    def rcode(self, name: str) -> int:
        query = dns.message.make_query(name, "A")
        answer = dns.query.udp(query, "127.0.0.1", port=self.port, timeout=1)
        return int(answer.rcode())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def unbound(tmp_path: Path) -> Iterator[Unbound]:
    authority = Unbound(tmp_path / "authority", AUTHORITY)
    resolver = Unbound(tmp_path / "resolver", RESOLVER, authority_port=authority.port)
    authority.start()
    try:
        yield resolver
    finally:
        resolver.stop()
        authority.stop()


def test_unbound_blocks_what_the_feed_lists_and_lets_it_go_after_a_withdrawal(
    db: Any, settings: Any, tmp_path: Path, unbound: Unbound
) -> None:
    factories.node(settings, tmp_path, "KZ", MD)
    coord = create_user("kz.coord", "coordinator", "hq")
    item = received()
    _registry, token = services.registry_add(name="kibernadzor")
    registry = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    takedowns.takedown_status_report(
        actor=coord, item=item, target="webcam-jobs.md", status="order_issued"
    )
    unbound.start(registry.get("/api/v1/blocking/feed.rpz").content)
    assert unbound.rcode("webcam-jobs.md") == dns.rcode.NXDOMAIN
    assert unbound.rcode("www.webcam-jobs.md") == dns.rcode.NXDOMAIN
    assert unbound.rcode("library.md") == dns.rcode.NOERROR

    takedowns.takedown_status_report(
        actor=coord,
        item=item,
        target="webcam-jobs.md",
        status="under_review",
        note="The court order was annulled on appeal.",
    )
    unbound.start(registry.get("/api/v1/blocking/feed.rpz").content)
    assert unbound.rcode("webcam-jobs.md") == dns.rcode.NOERROR
    assert unbound.rcode("www.webcam-jobs.md") == dns.rcode.NOERROR
