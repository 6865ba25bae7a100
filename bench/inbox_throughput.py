"""Envelopes accepted per second at one node from four concurrent senders, on PostgreSQL.

    REDIS_URL=redis://127.0.0.1:6379/12 .venv/bin/python bench/inbox_throughput.py \
        [--seconds 10] [--rounds 3] [--senders 4] [--latency 200] [--server gunicorn|uvicorn]

Starts one real node (PostgreSQL from DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/net247_bench_inbox, database `<name>_kz` made fresh)
with a bench-only URLconf that adds a bare DRF endpoint (bench/inbox_urls.py).
In the same run, four sender processes post, in alternating phases (`--rounds`, default 3,
so that a noisy neighbour on a shared machine moves both sides of a ratio):
  1. to the bare DRF endpoint (AllowAny, no auth, parses the same JSON body, answers 202);
  2. to POST /federation/v1/inbox, each a distinct envelope pre-signed by an enrolled peer.
One phase per message type (`--types`, default alert.ack and case.notification): each
envelope's handler runs in the request, in the transaction that stores it, so alert.ack
(a row and an audit entry) shows the exchange's own cost and case.notification adds the
cases app's (comparison, item, indicators, alert, escalation). It prints each rate (median
of the rounds, and their range) and its ratio to the same round's bare rate (median and
range; target: inbox >= 40% of bare), then the latency from signing an envelope
to holding its verified receipt (p50, p99), one at a time.

`--server gunicorn` (default) serves the node as production does (net247-web: gunicorn
sync workers, deploy/production/gunicorn.conf.py, with its Celery worker when REDIS_URL
is set); `--server uvicorn` uses `node run`, the embedded stack.
The rate limit is raised for the run: it measures the inbox, not the limiter.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "net247.settings")

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deploy.federation import Federation

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/net247_bench_inbox"
BODY = {
    "case_ref": "MD-2026-0042",
    "title": "Вербовка веб-моделей",
    "summary": "Жертва 17 лет; объявления в Telegram.",
    "offence": {"country": "MD", "code": "CC", "article": "220/1", "part": "2"},
    "facts": ["minor_victim", "online", "webcam"],
    "indicators": [{"kind": "phone", "value": "+37369123456"}],
    "urgency": "routine",
}


ACK_REF = "0193a5e8-7c1d-7b2e-9f00-3d2c1b0a9e8f"
# A peer acknowledges only what it was sent ("Key trust and replies"): KZ's record of
# having sent ACK_REF to MD, delivered, for the alert.ack phase to refer to.
SENT_TO_PEER = f"""
from django.utils import timezone
from exchange.models import OutboundMessage, OutboxEntry, OutboxStatus, Peer
now = timezone.now()
message = OutboundMessage.objects.create(
    envelope_id="{ACK_REF}", envelope={{}}, digest="bench", type="case.notification",
    thread="{ACK_REF}", created_at=now)
OutboxEntry.objects.create(message=message, destination=Peer.objects.get(country="MD"),
    status=OutboxStatus.DELIVERED, next_attempt_at=now, delivered_at=now)
"""


def _body(type_: str) -> dict[str, Any]:
    if type_ == "alert.ack":
        return {"ref": ACK_REF, "at": "2026-11-28T15:04:05Z"}
    return BODY


def _peer(seed: bytes) -> Any:
    from tests.fednet import FakePeer

    peer = FakePeer("MD", "bench-1")
    peer.key = Ed25519PrivateKey.from_private_bytes(seed)
    return peer


def bench_node(directory: Path, database_url: str, redis_url: str, peer: Any) -> Federation:
    """One KZ node (fresh database, keys) with the bench URLconf and the rate limit out of
    the way, `peer` enrolled; initialised, not started."""
    fed = Federation(
        ["KZ"],
        directory,
        env={
            "DJANGO_SETTINGS_MODULE": "bench.inbox_settings",
            "EXCHANGE_INBOX_RATE": "1000000",
            "EXCHANGE_INBOX_BURST": "10000000",
            "SECRET_KEY": "bench-only",
            "LOG_LEVEL": "WARNING",
            "DB_CONN_MAX_AGE": "60",  # the production default (the runner uses 0)
        },
        database_url=database_url,
        redis_url=redis_url,
        fresh=True,
    )
    fed.init()
    fed.node("KZ").manage(*peer.enrol_args())
    fed.node("KZ").manage("shell", "-c", SENT_TO_PEER)
    return fed


def _sender(url: str, kind: str, seed: bytes, seconds: float, start_at: float, out: Any) -> None:
    from exchange import canonical

    peer = _peer(seed)
    count = int(seconds * 400) + 200
    if kind.startswith("inbox:"):
        type_ = kind.split(":", 1)[1]
        payloads = [peer.signed_bytes(["KZ"], type=type_, body=_body(type_))
                    for _ in range(count)]  # fmt: skip
        target = url + "/federation/v1/inbox"
    else:
        payloads = [canonical.dumps(peer.sign(peer.envelope(["KZ"], body=BODY)))] * count
        target = url + "/bench/bare"
    accepted = errors = 0
    with httpx.Client(timeout=30) as client:
        while time.time() < start_at:
            time.sleep(0.01)
        deadline = start_at + seconds
        for payload in payloads:
            if time.time() >= deadline:
                break
            response = client.post(target, content=payload,
                                   headers={"Content-Type": "application/json"})  # fmt: skip
            if response.status_code == 202:
                accepted += 1
            else:
                errors += 1
    out.put((accepted, errors))


def _phase(url: str, kind: str, seed: bytes, senders: int, seconds: float) -> tuple[float, int]:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    start_at = time.time() + 2.0 + 0.5 * senders  # after every sender has pre-signed
    procs = [context.Process(target=_sender, args=(url, kind, seed, seconds, start_at, queue))
             for _ in range(senders)]  # fmt: skip
    for proc in procs:
        proc.start()
    results = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    accepted = sum(r[0] for r in results)
    return accepted / seconds, sum(r[1] for r in results)


def _latency(url: str, seed: bytes, count: int, kz_key: str, type_: str) -> list[float]:
    from exchange import canonical, signing

    peer = _peer(seed)
    samples = []
    with httpx.Client(timeout=30) as client:
        for _ in range(count):
            started = time.perf_counter()
            envelope = peer.sign(peer.envelope(["KZ"], type=type_, body=_body(type_)))
            response = client.post(url + "/federation/v1/inbox", content=canonical.dumps(envelope))
            receipt = canonical.loads(response.content)
            assert response.status_code == 202
            assert receipt["body"]["digest"] == signing.digest(envelope)
            assert signing.verify(receipt, kz_key)
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def _serve_command(server: str, node: Any, redis_url: str) -> list[str] | None:
    """None: `node run` (uvicorn, the embedded stack). gunicorn: production's net247-web
    (deploy/production/gunicorn.conf.py), with its Celery worker when there is Redis."""
    if server == "uvicorn":
        return None
    root = Path(__file__).resolve().parent.parent
    web = (
        f"exec {sys.executable} -m gunicorn --config {root}/deploy/production/gunicorn.conf.py"
        f" --bind 127.0.0.1:{node.port} net247.wsgi:application"
    )
    if redis_url:
        worker = (
            f"{sys.executable} -m celery -A net247 worker --loglevel=WARNING --concurrency=4"
            " --without-gossip --without-mingle &"
        )
        web = f"{worker} {web}"
    return ["sh", "-c", web]


def _spread(values: list[float]) -> str:
    """Median of the rounds, and their range."""
    return f"{statistics.median(values):8.1f} ({min(values):.0f}-{max(values):.0f})"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0, help="per phase")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="bare and inbox phases alternate this many times; a ratio pairs a round's phases",
    )
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--latency", type=int, default=200, help="samples per message type")
    parser.add_argument(
        "--types",
        default="alert.ack,case.notification",
        help="message types posted, each in its own phase; every handler runs in the request",
    )
    parser.add_argument(
        "--server",
        choices=["gunicorn", "uvicorn"],
        default="gunicorn",
        help="gunicorn: production's HTTP service (default); uvicorn: `node run`",
    )
    args = parser.parse_args()
    types = [t.strip() for t in args.types.split(",") if t.strip()]
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    redis_url = os.environ.get("REDIS_URL", "")
    seed = os.urandom(32)
    peer = _peer(seed)
    rates: dict[str, list[tuple[float, int]]] = {}
    latencies: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        fed = bench_node(Path(tmp), database_url, redis_url, peer)
        node = fed.node("KZ")
        kz_key = json.loads(node.manage("node", "show", "--json"))["keys"][0]["public_key"]
        node.start(_serve_command(args.server, node, redis_url))
        try:
            node.wait_ready()
            print(
                f"node KZ at {node.url} ({args.server}); database {node.database_url};"
                f" Redis {node.env.get('REDIS_URL') or 'none'}; {args.senders} senders"
            )
            for _ in range(args.rounds):
                for kind in ["bare", *types]:
                    target = kind if kind == "bare" else f"inbox:{kind}"
                    phase = _phase(node.url, target, seed, args.senders, args.seconds)
                    rates.setdefault(kind, []).append(phase)
            for type_ in types:
                latencies[type_] = _latency(node.url, seed, args.latency, kz_key, type_)
        finally:
            fed.stop()
            fed.drop_databases()
    bare = [rate for rate, _ in rates["bare"]]
    bare_errors = sum(errors for _, errors in rates["bare"])
    print(f"bare DRF endpoint:        {_spread(bare)} requests/s ({bare_errors} errors)")
    for type_ in types:
        accepted = [rate for rate, _ in rates[type_]]
        errors = sum(e for _, e in rates[type_])
        ratios = [rate / base for rate, base in zip(accepted, bare, strict=True)]
        print(
            f"inbox, {type_ + ':':18s}{_spread(accepted)} envelopes accepted/s ({errors} errors),"
            f" {statistics.median(ratios):4.0%} of bare (rounds {min(ratios):.0%}"
            f"-{max(ratios):.0%}; target >= 40%)"
        )
    for type_, samples in latencies.items():
        quantiles = statistics.quantiles(samples, n=100)
        print(f"sign -> verified receipt, {type_}, one at a time ({len(samples)}): "
              f"p50 {statistics.median(samples):.1f} ms, p99 {quantiles[98]:.1f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
