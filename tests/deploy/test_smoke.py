"""One production node started from the kit: nginx -> gunicorn (WSGI) and uvicorn (ASGI),
a Celery worker and beat, on PostgreSQL with the kit's two roles and on Redis.

Command lines are read from the systemd units; only ports and paths are substituted. The
database is set up by deploy/production/postgresql.sql, migrated as the owner role, granted
by postgresql-grants.sql, and the services connect as the application role, as in production.

Runs with the suite on PostgreSQL + Redis (DATABASE_URL and REDIS_URL set, as in .ci/run's
second pass); skipped on the embedded default, which has neither server.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin

from tests.deploy import kit, tls

DATABASE_URL = os.environ.get("DATABASE_URL", "")
# The contract's test-vector public key (federation-v1, appendix A): a well-formed MD key.
VECTOR_KEY = "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg"
REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not DATABASE_URL.startswith("postgres") or not REDIS_URL,
        reason="the production smoke test needs DATABASE_URL (PostgreSQL) and REDIS_URL",
    ),
    pytest.mark.skipif(not shutil.which("psql"), reason="psql not installed"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _psql(server: str, *args: str) -> str:
    """psql; waits out a server that is full of other suites' connections for a minute."""
    deadline = time.monotonic() + 60
    while True:
        result = subprocess.run(
            ["psql", "-v", "ON_ERROR_STOP=1", "-X", "-q", *args, server],
            capture_output=True,
            text=True,
            timeout=60,
        )
        full = "too many clients" in result.stderr or "connection slots" in result.stderr
        if not full or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _wait_http(
    url: str, proc: subprocess.Popen[bytes], seconds: float = 60, status: int = 200
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{proc.args!r} exited with {proc.returncode}"
        try:
            if httpx.get(url, headers={"Host": tls.HOST}, timeout=2).status_code == status:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds}s")


@dataclass
class Node:
    env: dict[str, str]
    db_admin: str  # conninfo of the superuser on the node's database
    db_app: str  # conninfo of the application role
    web: int
    ws: int
    http: int | None = None
    https: int | None = None
    logs: Path = Path()
    server: str = ""  # host=... port=... user=<superuser>
    roles: tuple[str, str] = ("", "")  # (owner, application)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def client(self) -> httpx.Client:
        assert self.https is not None
        return httpx.Client(
            base_url=f"https://127.0.0.1:{self.https}",
            headers={"Host": tls.HOST},
            verify=False,  # noqa: S501 (a throw-away self-signed certificate on loopback)
            timeout=10,
        )


def _claim_redis_db() -> tuple[str, redis.Redis]:
    """An empty Redis database of our own, so no other suite's Celery tasks reach us."""
    parts = urlsplit(REDIS_URL)
    for number in range(15, 0, -1):
        candidate = f"{parts.scheme}://{parts.netloc}/{number}"
        conn = redis.Redis.from_url(candidate)
        if conn.dbsize() == 0 and conn.set("net247:deploy-test", os.getpid(), nx=True, ex=900):
            return candidate, conn
    pytest.skip("no empty Redis database for the smoke test")


def _start(node: Node, name: str, argv: list[str]) -> None:
    log = (node.logs / f"{name}.log").open("wb")
    node.procs[name] = subprocess.Popen(
        argv, cwd=kit.REPO, env=node.env, stdout=log, stderr=subprocess.STDOUT
    )


def _stop(node: Node) -> dict[str, int | None]:
    codes: dict[str, int | None] = {}
    for proc in node.procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for name, proc in node.procs.items():
        try:
            codes[name] = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            codes[name] = None
    return codes


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    tmp = tmp_path_factory.mktemp("node")
    server = urlsplit(DATABASE_URL)
    suffix = f"{os.getpid()}_{secrets.token_hex(3)}"
    db, owner, app = f"net247_deploy_{suffix}", f"n247_owner_{suffix}", f"n247_app_{suffix}"
    host, port = server.hostname or "127.0.0.1", server.port or 5432
    superuser = server.username or "postgres"
    admin = f"host={host} port={port} user={superuser} dbname=postgres"
    if server.password:
        os.environ.setdefault("PGPASSWORD", server.password)
    redis_url, redis_conn = _claim_redis_db()
    node: Node | None = None
    try:
        _psql(
            admin,
            *("-v", f"db={db}", "-v", f"owner={owner}", "-v", f"app={app}"),
            *("-f", str(kit.KIT / "postgresql.sql")),
        )
        (tmp / "secret_key").write_text(secrets.token_urlsafe(64))
        (tmp / "smtp_password").write_text("not-used")
        env = {"PATH": os.environ["PATH"], "HOME": str(tmp), "LANG": "C.UTF-8"}
        env.update(kit.template_values())
        env.update(
            {
                "DATABASE_URL": f"postgres://{app}@{host}:{port}/{db}",
                "REDIS_URL": redis_url,
                "SECRET_KEY_FILE": str(tmp / "secret_key"),
                "EMAIL_HOST_PASSWORD_FILE": str(tmp / "smtp_password"),
                "EMAIL_HOST": "127.0.0.1",
                "NODE_VAR_DIR": str(tmp / "var"),
                "NODE_KEY_DIR": str(tmp / "var" / "keys"),
                "NODE_URL": f"https://{tls.HOST}",
                "WEB_CONCURRENCY": "2",
            }
        )
        # Installation and upgrade, as docs/operations.md says: migrate as the owner role
        # through net247-manage --owner (root only), then the grants, then everything else
        # as the application role.
        env_file = tmp / "net247.env"
        env_file.write_text("".join(f"{key}={value}\n" for key, value in env.items()))
        owner_url = f"postgres://{owner}@{host}:{port}/{db}"
        wrapper_env = {
            "PATH": env["PATH"],
            "NET247_ENV": str(env_file),
            "NET247_HOME": str(kit.REPO),
            "NET247_OWNER_DATABASE_URL": owner_url,
        }
        if os.geteuid() == 0:
            argv = [str(kit.KIT / "net247-manage"), "--owner", "migrate", "--noinput"]
            run_env = wrapper_env
        else:  # the wrapper's --owner is root-only; same command, same environment
            argv = [sys.executable, "manage.py", "migrate", "--noinput"]
            run_env = dict(env, DATABASE_URL=owner_url)
        done = subprocess.run(
            argv, cwd=kit.REPO, env=run_env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stdout + done.stderr
        _psql(
            f"host={host} port={port} user={superuser} dbname={db}",
            *("-v", f"app={app}", "-f", str(kit.KIT / "postgresql-grants.sql")),
        )
        init = subprocess.run(
            [sys.executable, "manage.py", "node", "init"],
            cwd=kit.REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert init.returncode == 0, init.stdout + init.stderr  # as the application role
        node = Node(
            env=env,
            db_admin=f"host={host} port={port} user={superuser} dbname={db}",
            db_app=f"host={host} port={port} user={app} dbname={db}",
            web=_free_port(),
            ws=_free_port(),
            logs=tmp,
            server=f"host={host} port={port} user={superuser}",
            roles=(owner, app),
        )
        web = kit.replace_option(kit.exec_start("net247-web"), "--bind", f"127.0.0.1:{node.web}")
        ws = kit.replace_option(kit.exec_start("net247-ws"), "--port", str(node.ws))
        worker = kit.replace_option(kit.exec_start("net247-worker"), "--concurrency", "1")
        beat = kit.replace_option(
            kit.exec_start("net247-beat"), "--schedule", str(tmp / "celerybeat-schedule")
        )
        for name, argv in (("web", web), ("ws", ws), ("worker", worker), ("beat", beat)):
            _start(node, name, argv)
        _wait_http(f"http://127.0.0.1:{node.web}/healthz", node.procs["web"])
        _wait_http(f"http://127.0.0.1:{node.ws}/healthz", node.procs["ws"])
        if shutil.which("nginx"):
            node.http, node.https = _free_port(), _free_port()
            site = tls.nginx_site(
                tmp,
                web_port=node.web,
                ws_port=node.ws,
                http_port=node.http,
                https_port=node.https,
                static_root=tmp / "var" / "static",
            )
            _start(node, "nginx", ["nginx", "-p", str(tmp), "-c", str(tls.nginx_main(tmp, site))])
            _wait_http(f"http://127.0.0.1:{node.http}/", node.procs["nginx"], 20, 301)
        yield node
    finally:
        codes = _stop(node) if node is not None else {}
        for name in (db, f"{db}_restored"):
            _psql(admin, "-c", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _psql(admin, "-c", f'DROP ROLE IF EXISTS "{app}"')
        _psql(admin, "-c", f'DROP ROLE IF EXISTS "{owner}"')
        redis_conn.flushdb()
    # Every service stops cleanly on SIGTERM, as systemd stops it.
    assert all(code == 0 for code in codes.values()), (codes, _tails(tmp))


def _handshake_refused(url: str, origin: str, context: ssl.SSLContext | None = None) -> int:
    """The HTTP status that refused a WebSocket handshake (101 never comes back here)."""
    with pytest.raises(InvalidStatus) as refused:
        connect(
            url,
            ssl=context,
            server_hostname=tls.HOST if context else None,
            origin=Origin(origin),
            open_timeout=10,
        )
    return int(refused.value.response.status_code)


def _ping_pong(url: str, context: ssl.SSLContext | None = None) -> dict[str, object]:
    """Open the duty desk's socket (/ws/alerts/) and ping: its consumer answers pong even
    before authentication, so the frame proves the upgrade reached the alerts consumer."""
    with connect(
        url,
        ssl=context,
        server_hostname=tls.HOST if context else None,
        origin=Origin(f"https://{tls.HOST}"),
        open_timeout=10,
    ) as socket_:
        socket_.send(json.dumps({"type": "ping", "t": 7}))
        answer: dict[str, object] = json.loads(socket_.recv(timeout=10))
    return answer


def _tails(directory: Path) -> str:
    return "\n".join(
        f"--- {log.name}\n{log.read_text(errors='replace')[-2000:]}"
        for log in sorted(directory.glob("*.log"))
    )


def test_wsgi_and_asgi_services_are_alive_and_ready(node: Node) -> None:
    for port in (node.web, node.ws):
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", headers={"Host": tls.HOST}, timeout=10)
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"status": "ok", "database": "ok", "redis": "ok", "disk": "ok"}
    health = httpx.get(
        f"http://127.0.0.1:{node.web}/healthz", headers={"Host": tls.HOST}, timeout=10
    )
    assert health.json() == {"status": "ok", "country": node.env["NODE_COUNTRY"]}
    # The web service is gunicorn: its sync workers speak HTTP/1.x, never WebSockets.
    assert health.headers["server"].startswith("gunicorn")


def test_websocket_upgrade_reaches_channels_only_on_the_asgi_service(node: Node) -> None:
    """Channels' AllowedHostsOriginValidator refuses a foreign Origin with 403: an answer
    only Channels gives. A same-site Origin passes it (then no route answers, no 101)."""
    evil, same_site = "https://evil.example", f"https://{tls.HOST}"
    assert _handshake_refused(f"ws://127.0.0.1:{node.ws}/ws/x/", evil) == 403
    # Past the origin check no route matches /ws/x/: refused otherwise, but not by origin.
    assert _handshake_refused(f"ws://127.0.0.1:{node.ws}/ws/x/", same_site) not in (101, 403)
    assert _ping_pong(f"ws://127.0.0.1:{node.ws}/ws/alerts/") == {"type": "pong", "t": 7}
    with pytest.raises(InvalidStatus) as on_web:
        connect(f"ws://127.0.0.1:{node.web}/ws/x/", origin=Origin(evil), open_timeout=10)
    assert on_web.value.response.headers.get("Server", "").startswith("gunicorn")


def test_worker_answers_and_beat_keeps_its_schedule(node: Node) -> None:
    ping = subprocess.run(
        [
            str(kit.REPO / ".venv" / "bin" / "celery"),
            "-A",
            "net247",
            "inspect",
            "ping",
            "-t",
            "10",
            "-d",
            f"net247-worker@{socket.gethostname()}",
        ],
        cwd=kit.REPO,
        env=node.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ping.returncode == 0, ping.stdout + ping.stderr
    assert re.search(rf"net247-worker@{re.escape(socket.gethostname())}: OK\s+pong", ping.stdout)
    deadline = time.monotonic() + 20
    schedule = node.logs / "celerybeat-schedule"
    while time.monotonic() < deadline and not list(node.logs.glob("celerybeat-schedule*")):
        time.sleep(0.5)
    assert list(node.logs.glob("celerybeat-schedule*")), _tails(node.logs)
    assert node.procs["beat"].poll() is None, schedule


def test_app_role_cannot_rewrite_the_audit_log(node: Node) -> None:
    """Two layers: the grants deny the application role before the trigger is reached, and
    the role cannot switch the trigger off (only the owner could)."""
    with psycopg.connect(node.db_app, autocommit=True) as conn:
        count = conn.execute("SELECT count(*) FROM audit_auditentry").fetchone()
        assert count is not None and count[0] > 0  # node init wrote entries
        for statement, message in (
            ("UPDATE audit_auditentry SET action = 'x'", "permission denied"),
            ("DELETE FROM audit_auditentry", "permission denied"),
            ("TRUNCATE audit_auditentry", "permission denied"),
            ("ALTER TABLE audit_auditentry DISABLE TRIGGER ALL", "must be owner"),
            ("DROP TRIGGER audit_entry_append_only ON audit_auditentry", "must be owner"),
            ("DROP TABLE audit_auditentry", "must be owner"),
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match=message):
                conn.execute(statement)
        # What the application must write stays writable: the chain's head.
        conn.execute("UPDATE audit_audithead SET last_seq = last_seq WHERE id = 1")
    owner = node.db_app.replace("user=n247_app_", "user=n247_owner_")
    # The owner has the grants but meets the trigger (migration audit 0002).
    with (
        psycopg.connect(owner, autocommit=True) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"),
    ):
        conn.execute("UPDATE audit_auditentry SET action = 'x'")


needs_nginx = pytest.mark.skipif(
    not shutil.which("nginx"), reason="nginx not installed (Debian package nginx-light)"
)


@needs_nginx
def test_nginx_redirects_http_and_serves_https_with_hsts(node: Node) -> None:
    plain = httpx.get(
        f"http://127.0.0.1:{node.http}/healthz?x=1", headers={"Host": tls.HOST}, timeout=10
    )
    assert plain.status_code == 301
    assert plain.headers["location"] == f"https://{tls.HOST}/healthz?x=1"
    with node.client() as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["redis"] == "ok"
        assert ready.headers["strict-transport-security"].startswith("max-age=")
        assert ready.headers["server"] == "nginx"  # server_tokens off: no version


@needs_nginx
def test_nginx_overwrites_client_address_and_request_id_seen_by_the_audit_log(node: Node) -> None:
    with node.client() as client:
        page = client.get("/accounts/login/")
        assert page.status_code == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, page.text[:500]
        username = f"nobody-{secrets.token_hex(4)}"
        answer = client.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "username": username,
                "password": "wrong",
            },
            headers={
                "Referer": f"https://{tls.HOST}/accounts/login/",
                "X-Real-IP": "203.0.113.66",
                "X-Forwarded-For": "203.0.113.66",
                "X-Request-ID": "forged-by-client",
            },
        )
    assert answer.status_code == 400, answer.text[:500]
    request_id = answer.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id), request_id  # nginx's $request_id
    with psycopg.connect(node.db_admin) as conn:
        row = conn.execute(
            "SELECT client_ip, request_id FROM audit_auditentry "
            "WHERE action = 'auth.login_failed' AND details->>'username' = %s",
            [username],
        ).fetchone()
    assert row == ("127.0.0.1", request_id)


@needs_nginx
def test_nginx_tells_django_the_request_came_over_https(node: Node) -> None:
    """X-Forwarded-Proto from nginx makes request.is_secure() true, and Django's CSRF check
    then demands a same-site Referer, which it never asks of plain HTTP."""
    with node.client() as client:
        page = client.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token
        assert "secure" in page.headers["set-cookie"].lower()
        data = {"csrfmiddlewaretoken": token.group(1), "username": "x", "password": "y"}
        no_referer = client.post("/accounts/login/", data=data)
        assert no_referer.status_code == 403
        assert "Referer" in no_referer.text
        direct = httpx.post(
            f"http://127.0.0.1:{node.web}/accounts/login/",
            data=data,
            cookies=dict(client.cookies),
            headers={"Host": tls.HOST},
            timeout=10,
        )
        assert direct.status_code == 400  # plain HTTP: token accepted, wrong password


@needs_nginx
def test_nginx_proxies_the_websocket_upgrade_to_channels(node: Node) -> None:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    url = f"wss://127.0.0.1:{node.https}/ws/x/"
    # 403 from Channels' origin check, relayed by nginx: it came through the ASGI service.
    assert _handshake_refused(url, "https://evil.example", context) == 403
    assert _handshake_refused(url, f"https://{tls.HOST}", context) not in (101, 403)
    pong = _ping_pong(f"wss://127.0.0.1:{node.https}/ws/alerts/", context)
    assert pong == {"type": "pong", "t": 7}


@needs_nginx
def test_nginx_body_limits_and_static_files(node: Node) -> None:
    with node.client() as client:
        too_large = client.post(
            "/federation/v1/inbox",
            content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
            headers={"Content-Type": "application/json"},
        )
        assert too_large.status_code == 413
        assert too_large.json()["error"]["code"] == "too_large"
        # Elsewhere the limit is far lower: a 1 MiB form never reaches a worker.
        form = client.post("/accounts/login/", content=b"x" * (1024 * 1024))
        assert form.status_code == 413
        static = Path(node.env["NODE_VAR_DIR"]) / "static"
        (static / "deploy-probe.txt").write_text("served by nginx")
        probe = client.get("/static/deploy-probe.txt")
        assert probe.status_code == 200 and probe.text == "served by nginx"
        assert "expires" in probe.headers


def _manage(node: Node, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=kit.REPO,
        env=node.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_worker_and_beat_deliver_and_metrics_show_the_failing_peer(node: Node) -> None:
    """Enrol a peer whose address refuses connections and send it a message: the worker
    (woken on commit, or by beat's sweep) tries, fails and backs off; `peer list --json`
    shows it, and gunicorn's /metrics (scraped on loopback, as a local Prometheus does)
    shows it too, with the sweep that beat and the worker ran in processes of their own."""
    dead = f"https://127.0.0.1:{_free_port()}"  # a production node pins https only
    _manage(
        node, "peer", "add", "--country", "MD", "--url", dead, "--key", f"MD:test-1={VECTOR_KEY}"
    )
    body = json.dumps({"ref": "0193a5e8-7c1d-7b2e-9f00-3d2c1b0a9e8f", "at": "2026-11-28T15:04:05Z"})
    _manage(node, "message", "send", "--type", "alert.ack", "--to", "MD", "--body", body)
    deadline = time.monotonic() + 60
    while True:
        peers = {p["country"]: p for p in json.loads(_manage(node, "peer", "list", "--json"))}
        if peers["MD"]["failing_since"] or time.monotonic() > deadline:
            break
        time.sleep(2)
    md = peers["MD"]
    assert md["failing_since"], (md, _tails(node.logs))
    assert md["queued"] == 1 and md["last_receipt_at"] is None
    assert md["state"] == "failing" and md["state_since"] == md["failing_since"]
    deadline = time.monotonic() + 60
    while True:
        scraped = httpx.get(
            f"http://127.0.0.1:{node.web}/metrics", headers={"Host": tls.HOST}, timeout=10
        )
        assert scraped.status_code == 200, scraped.text
        metrics = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(scraped.text)
            for s in family.samples
        }
        swept = metrics.get(("net247_sweep_last_run_timestamp_seconds", (("sweep", "outbox"),)))
        if swept or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert swept, "the outbox sweep (beat + worker) never reached the shared counters"
    assert metrics[("net247_peer_active", (("peer", "MD"),))] == 1
    assert metrics[("net247_peer_queued", (("peer", "MD"),))] == 1
    assert metrics[("net247_peer_state", (("peer", "MD"), ("state", "failing")))] == 1
    assert ("net247_peer_last_receipt_timestamp_seconds", (("peer", "MD"),)) not in metrics
    failing = metrics[("net247_peer_failing_since_timestamp_seconds", (("peer", "MD"),))]
    assert abs(failing - time.time()) < 300
    if node.https is not None:
        with node.client() as client:
            assert client.get("/metrics").status_code == 404  # nginx: no Authorization
            # Passed on; the node believes nginx's X-Real-IP, which is loopback here.
            local = client.get("/metrics", headers={"Authorization": "Bearer x"})
            assert local.status_code == 200 and "net247_peer_state" in local.text


@needs_nginx
def test_nginx_limits_login_posts_per_address_but_not_page_loads(node: Node) -> None:
    """10 POSTs/minute with a burst of 10 (deploy/production/nginx); GETs are never counted.
    The POSTs carry no CSRF token: Django refuses them (403) before any password check."""
    with node.client() as client:
        pages = [client.get("/accounts/login/").status_code for _ in range(15)]
        posts = [
            client.post("/accounts/login/", data={"username": "x"}).status_code for _ in range(15)
        ]
    assert pages == [200] * 15
    assert posts[0] == 403 and 429 in posts, posts
    assert set(posts) <= {403, 429}


def test_readyz_reports_redis_down_as_unavailable(node: Node) -> None:
    """Guard against a readiness check that cannot fail: a node pointed at a dead Redis."""
    env = dict(node.env, REDIS_URL=f"redis://127.0.0.1:{_free_port()}/0")
    script = (
        "import django, json; django.setup(); from django.test import Client; "
        f"r = Client().get('/readyz', headers={{'host': '{tls.HOST}'}}); "
        "print(r.status_code, json.dumps(r.json()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=kit.REPO,
        env={**env, "DJANGO_SETTINGS_MODULE": "net247.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    status, body = result.stdout.strip().split(" ", 1)
    assert status == "503", result.stdout + result.stderr
    assert json.loads(body)["redis"].startswith("error")


def test_backup_and_restore_as_documented_keep_a_verifying_audit_log(node: Node) -> None:
    """pg_dump -Fc as backup.sh takes it, restored into a fresh database the way
    docs/operations.md says; the restored log verifies and keeps its append-only guard."""
    owner, app = node.roles
    db = node.db_app.rsplit("dbname=", 1)[1]
    restored = f"{db}_restored"
    dump = node.logs / "backup.dump"
    taken = subprocess.run(
        [
            "pg_dump",
            "--format=custom",
            "--compress=6",
            f"--file={dump}",
            f"{node.server} dbname={db}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert taken.returncode == 0, taken.stderr
    with psycopg.connect(node.db_admin) as conn:
        head = conn.execute("SELECT last_seq, last_hash FROM audit_audithead").fetchone()
    _psql(
        f"{node.server} dbname=postgres",
        *("-v", f"db={restored}", "-v", f"owner={owner}", "-v", f"app={app}"),
        *("-f", str(kit.KIT / "postgresql.sql")),
    )
    loaded = subprocess.run(
        [
            "pg_restore",
            "--exit-on-error",
            "--no-owner",
            f"--role={owner}",
            f"--dbname={node.server} dbname={restored}",
            str(dump),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert loaded.returncode == 0, loaded.stderr
    _psql(
        f"{node.server} dbname={restored}",
        *("-v", f"app={app}", "-f", str(kit.KIT / "postgresql-grants.sql")),
    )
    host_port = node.env["DATABASE_URL"].split("@", 1)[1].rsplit("/", 1)[0]
    env = dict(node.env, DATABASE_URL=f"postgres://{app}@{host_port}/{restored}")
    verify = subprocess.run(
        [sys.executable, "manage.py", "audit", "verify"],
        cwd=kit.REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    restored_app = f"{node.server.replace(node.server.split('user=')[1], app)} dbname={restored}"
    with psycopg.connect(restored_app, autocommit=True) as conn:
        assert conn.execute("SELECT last_seq, last_hash FROM audit_audithead").fetchone() == head
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM audit_auditentry")
        owner_of = conn.execute(
            "SELECT tableowner FROM pg_tables WHERE tablename = 'audit_auditentry'"
        ).fetchone()
        assert owner_of == (owner,)
