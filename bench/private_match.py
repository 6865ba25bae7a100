"""Benchmark: a private match (issue 22) of CLIENT indicators against a peer holding
SERVER indicators, the cryptography and the wire form, in process.

Target (issue 22): a query of 100 against 100,000 answers within 1 s. Run:

    .venv/bin/python bench/private_match.py --client 100 --server 100000 [--runs 20] [--json]

Measured separately:
- setup: the answering node's filter over all its items, from scratch (what the cached
  `MatchSetup` saves per query; cases.private_match.refresh_setup runs it in the
  background when the set changes);
- query: everything a query costs on both sides but the network and the database: the
  client blinds its items and builds the `match.query` envelope (canonical JSON, signed);
  the server parses it, checks the count, blinds again, builds a fresh filter of
  `--fresh` items stored since the cached build, and builds and signs the `match.answer`
  envelope with the cached filter; the client checks the answer's canonical form and
  reads the intersection. Median and p95 over --runs.
Sizes are canonical JSON bytes of the envelopes (the contract's limit is 1 MiB).
The machine is shared: the figures move with its load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

TARGET_MS = 1000.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--client", type=int, default=100)
    parser.add_argument("--server", type=int, default=100_000)
    parser.add_argument("--fresh", type=int, default=100, help="items stored since the build")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="(the last line is JSON anyway)")
    args = parser.parse_args()
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ["DJANGO_SETTINGS_MODULE"] = "net247.settings"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from cases import psi
    from exchange import canonical, schemas, signing
    from node.crypto import b64url_decode, b64url_encode

    server_items = [f"phone:+7{700_000_0000 + i}" for i in range(args.server)]
    fresh_items = [f"domain:fresh-{i}.example" for i in range(args.fresh)]
    # Every tenth client item is held by the server.
    client_items = [
        server_items[i * 97 % args.server] if i % 10 == 0 else f"telegram:nobody_{i}"
        for i in range(args.client)
    ]
    expected = [i for i in range(args.client) if i % 10 == 0]
    md_key, kz_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()

    def envelope(type_: str, body: dict[str, object], key: Ed25519PrivateKey) -> bytes:
        unsigned = schemas.unsigned_envelope(
            envelope_id="0193a5e8-7c1d-7b2e-9f00-3d2c1b0a9e8f",
            type=type_,
            origin="MD" if key is md_key else "KZ",
            to=["KZ"] if key is md_key else ["MD"],
            created_at="2026-12-07T12:00:00Z",
            handling="H1",
            body=body,
        )
        return canonical.dumps(signing.sign(unsigned, key_id="XX:bench", private_key=key))

    server_key = psi.new_server_key()
    started = time.perf_counter()
    setup = psi.server_setup(server_key, server_items, 500)
    setup_ms = (time.perf_counter() - started) * 1000
    setup_text = b64url_encode(setup)  # cached with the setup: encoded once

    timings, query_bytes, answer_bytes = [], 0, 0
    for _ in range(args.runs):
        started = time.perf_counter()
        client_key, request = psi.client_request(client_items)
        query = envelope(
            "match.query",
            {"case_ref": "MD-2026-0042", "request": b64url_encode(request), "count": args.client},
            md_key,
        )
        received = canonical.loads(query)
        raw_request = b64url_decode(received["body"]["request"])
        assert psi.request_size(raw_request) == received["body"]["count"]
        setups = [setup_text]
        if fresh_items:
            setups.append(b64url_encode(psi.server_setup(server_key, fresh_items, 500)))
        response = psi.server_answer(server_key, raw_request)
        answer = envelope(
            "match.answer",
            {
                "response": b64url_encode(response),
                "setups": setups,
                "setup_version": 1,
                "base": psi.setup_digest(setup),
            },
            kz_key,
        )
        got = canonical.loads(answer)["body"]
        found = psi.client_intersection(
            client_key,
            client_items,
            [b64url_decode(s) for s in got["setups"]],
            b64url_decode(got["response"]),
        )
        timings.append((time.perf_counter() - started) * 1000)
        assert found == expected, (found[:5], expected[:5])
        query_bytes, answer_bytes = len(query), len(answer)

    # A repeat query from a node that holds the base filter already: only the fresh one.
    held_answer = envelope(
        "match.answer",
        {
            "response": b64url_encode(response),
            "setups": setups[1:],
            "setup_version": 1,
            "base": psi.setup_digest(setup),
        },
        kz_key,
    )
    timings.sort()
    median = statistics.median(timings)
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    print(f"client {args.client} items, server {args.server} items, {args.fresh} stored since")
    print(f"setup from scratch: {setup_ms:.0f} ms, {len(setup)} bytes")
    print(f"query end to end (no network, no database): median {median:.1f} ms, p95 {p95:.1f} ms")
    print(f"match.query envelope: {query_bytes} bytes; match.answer envelope: {answer_bytes} bytes")
    print(f"match.answer to a node holding the base filter: {len(held_answer)} bytes")
    print(f"target: query under {TARGET_MS:.0f} ms: {'met' if p95 < TARGET_MS else 'NOT met'}")
    print(
        json.dumps(
            {
                "client": args.client,
                "server": args.server,
                "fresh": args.fresh,
                "runs": args.runs,
                "setup_ms": round(setup_ms, 1),
                "setup_bytes": len(setup),
                "query_ms": round(median, 2),
                "query_p95_ms": round(p95, 2),
                "query_envelope_bytes": query_bytes,
                "answer_envelope_bytes": answer_bytes,
                "answer_held_envelope_bytes": len(held_answer),
                "within_1mib": answer_bytes <= 1024 * 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
