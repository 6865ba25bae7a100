"""The server's CPU time per envelope, in one process, beside the bare DRF endpoint.

    REDIS_URL=redis://127.0.0.1:6379/12 .venv/bin/python bench/inbox_cpu.py \
        [--count 600] [--rounds 3] [--types alert.ack,case.notification]

Where bench/inbox_throughput.py counts requests over HTTP (four senders, gunicorn, the
whole machine), this calls the node's WSGI application directly in this process and
reads this thread's CPU clock around each batch: no senders, no server, no scheduling
of other processes in the figure. On a shared machine it moves much less from run to
run than a rate does, so it is the one to compare two versions of the code with (run
each in turn, twice). The database's own CPU is not in it (a round trip's wait is not
this thread's time).

One node (PostgreSQL from DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/net247_bench_cpu, database `<name>_kz` made fresh),
the bench URLconf with its bare endpoint (bench/inbox_urls.py), an enrolled peer whose
envelopes are signed in advance. Per round: `--count` bare requests, then `--count`
envelopes of each type; every response must be 202. Prints, per type, the median of
the rounds in ms of CPU per request and its multiple of the bare endpoint's.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.inbox_throughput import _body, _peer, bench_node

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/net247_bench_cpu"


def _environ(path: str, payload: bytes) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(payload)),
        "wsgi.input": io.BytesIO(payload),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }


def _cpu_ms_per_request(app: Callable[..., Any], path: str, payloads: list[bytes]) -> float:
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        statuses.append(status)

    started = time.thread_time()
    for payload in payloads:
        b"".join(app(_environ(path, payload), start_response))
    spent = time.thread_time() - started
    refused = [s for s in statuses if not s.startswith("202")]
    if refused:
        raise SystemExit(f"{path}: {len(refused)} answers were not 202, e.g. {refused[0]}")
    return spent / len(payloads) * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=600, help="requests per type and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--types", default="alert.ack,case.notification")
    args = parser.parse_args()
    types = [t.strip() for t in args.types.split(",") if t.strip()]
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    seed = os.urandom(32)
    peer = _peer(seed)
    with tempfile.TemporaryDirectory() as tmp:
        fed = bench_node(Path(tmp), database_url, os.environ.get("REDIS_URL", ""), peer)
        node = fed.node("KZ")
        try:
            os.environ.update(node.env)
            import django

            django.setup()
            from exchange import canonical
            from net247.wsgi import application

            bare_payload = canonical.dumps(peer.sign(peer.envelope(["KZ"], body=_body("bare"))))
            warm = 100
            signed: dict[str, list[bytes]] = {}
            for t in types:
                total = warm + args.count * args.rounds
                signed[t] = [peer.signed_bytes(["KZ"], type=t, body=_body(t)) for _ in range(total)]
            # First requests pay for imports, connections and prepared statements.
            _cpu_ms_per_request(application, "/bench/bare", [bare_payload] * warm)
            for t in types:
                _cpu_ms_per_request(application, "/federation/v1/inbox", signed[t][:warm])
            figures: dict[str, list[float]] = {"bare": [], **{t: [] for t in types}}
            for r in range(args.rounds):
                bare = [bare_payload] * args.count
                figures["bare"].append(_cpu_ms_per_request(application, "/bench/bare", bare))
                for t in types:
                    start = warm + r * args.count
                    batch = signed[t][start : start + args.count]
                    figures[t].append(
                        _cpu_ms_per_request(application, "/federation/v1/inbox", batch)
                    )
        finally:
            fed.drop_databases()
    bare_ms = statistics.median(figures["bare"])
    print(f"CPU of this process per request, median of {args.rounds} rounds of {args.count}:")
    print(f"  bare DRF endpoint:        {bare_ms:6.3f} ms")
    for t in types:
        ms = statistics.median(figures[t])
        spread = f"{min(figures[t]):.3f}-{max(figures[t]):.3f}"
        print(f"  inbox, {t + ':':18s}{ms:6.3f} ms ({spread}), {ms / bare_ms:4.1f} x bare")
    return 0


if __name__ == "__main__":
    sys.exit(main())
