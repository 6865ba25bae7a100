"""Envelopes accepted per second at one node from four concurrent senders, on PostgreSQL.

    .venv/bin/python bench/inbox_throughput.py [--seconds 10] [--senders 4] [--latency 300]

Starts one real node (`node run`, uvicorn + Django ASGI, PostgreSQL from DATABASE_URL,
default postgres://postgres@127.0.0.1:5432/net247_bench_inbox, database `<name>_kz` made
fresh) with a bench-only URLconf that adds a bare DRF endpoint (bench/inbox_urls.py).
In the same run, four sender processes post:
  1. to the bare DRF endpoint (AllowAny, no auth, parses the same JSON body, answers 202);
  2. to POST /federation/v1/inbox, each a distinct envelope pre-signed by an enrolled peer.
`--type` picks the message type (default case.notification: the node also runs the cases
app's handler for each, in its background work on the same cores). It prints both rates
and their ratio (target: inbox >= 40% of bare), then the latency
from signing an envelope to holding its verified receipt (p50, p99), one at a time.
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


def _body(type_: str) -> dict[str, Any]:
    if type_ == "alert.ack":
        return {"ref": "0193a5e8-7c1d-7b2e-9f00-3d2c1b0a9e8f", "at": "2026-11-28T15:04:05Z"}
    return BODY


def _peer(seed: bytes) -> Any:
    from tests.fednet import FakePeer

    peer = FakePeer("MD", "bench-1")
    peer.key = Ed25519PrivateKey.from_private_bytes(seed)
    return peer


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


def _latency(url: str, seed: bytes, count: int, kz_key: str) -> list[float]:
    from exchange import canonical, signing

    peer = _peer(seed)
    samples = []
    with httpx.Client(timeout=30) as client:
        for _ in range(count):
            started = time.perf_counter()
            envelope = peer.sign(peer.envelope(["KZ"], type="case.notification", body=BODY))
            response = client.post(url + "/federation/v1/inbox", content=canonical.dumps(envelope))
            receipt = canonical.loads(response.content)
            assert response.status_code == 202
            assert receipt["body"]["digest"] == signing.digest(envelope)
            assert signing.verify(receipt, kz_key)
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--latency", type=int, default=300)
    parser.add_argument(
        "--type",
        default="case.notification",
        help="message type posted; its registered handler runs in the node's background work",
    )
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    seed = os.urandom(32)
    peer = _peer(seed)
    with tempfile.TemporaryDirectory() as tmp:
        fed = Federation(
            ["KZ"],
            Path(tmp),
            env={
                "DJANGO_SETTINGS_MODULE": "bench.inbox_settings",
                "EXCHANGE_INBOX_RATE": "1000000",
                "EXCHANGE_INBOX_BURST": "10000000",
                "SECRET_KEY": "bench-only",
                "LOG_LEVEL": "WARNING",
                "DB_CONN_MAX_AGE": "60",  # the production default (the runner uses 0)
            },
            database_url=database_url,
            redis_url=os.environ.get("REDIS_URL", ""),
            fresh=True,
        )
        fed.init()
        node = fed.node("KZ")
        node.manage(*peer.enrol_args())
        kz_key = json.loads(node.manage("node", "show", "--json"))["keys"][0]["public_key"]
        fed.start()
        try:
            print(f"node KZ at {node.url}; database {node.database_url}; {args.senders} senders")
            bare, bare_err = _phase(node.url, "bare", seed, args.senders, args.seconds)
            inbox, inbox_err = _phase(
                node.url, f"inbox:{args.type}", seed, args.senders, args.seconds
            )
            samples = _latency(node.url, seed, args.latency, kz_key)
        finally:
            fed.stop()
            fed.drop_databases()
    print(f"bare DRF endpoint:  {bare:8.1f} requests/s ({bare_err} errors)")
    print(f"federation inbox:   {inbox:8.1f} {args.type} envelopes accepted/s ({inbox_err} errors)")
    print(f"ratio inbox/bare:   {inbox / bare:8.0%}  (target >= 40%)")
    quantiles = statistics.quantiles(samples, n=100)
    print(f"sign -> verified receipt, one at a time ({len(samples)}): "
          f"p50 {statistics.median(samples):.1f} ms, p99 {quantiles[98]:.1f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
