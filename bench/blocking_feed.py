"""Benchmark: the blocking feed served to a registry, and a decision's way into it.

    .venv/bin/python bench/blocking_feed.py --entries 100000 [--decisions 20] [--json]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/net247_bench_feed \
        .venv/bin/python bench/blocking_feed.py --entries 100000 --json

One node in this process (a temporary directory: SQLite when DATABASE_URL is unset; a
PostgreSQL database whose name starts with `net247_bench` is dropped and created afresh).
The feed gets --entries entries (received takedown targets accepted for blocking, bulk
inserted), then every request goes through the whole Django stack (WSGI called directly,
no server): the registry's token, the read, the rendering, the Ed25519 signature and the
audited pull.

- feed_ms: `GET /api/v1/blocking/feed.json?after=0&limit=<entries>`, the whole feed in one
  response (median of --rounds); csv_ms and rpz_ms the same for CSV and the RPZ.
- decision_to_feed_ms: a coordinator's decision (`takedown_status_report`, order_issued:
  the status row, its `takedown.status` in the outbox, the feed entry, the audit entry,
  one transaction) until the registry's next incremental pull (`after=<its last cursor>`)
  returns it; the worst of --decisions.

Targets (issue 23): feed_ms < 2000 with 100,000 entries; decision_to_feed_ms < 1000.
Last line: JSON with feed_ms, csv_ms, rpz_ms, decision_to_feed_ms (max), decision p50.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import database


def _setup(var_dir: str) -> None:
    os.environ["NODE_VAR_DIR"] = var_dir
    os.environ["NODE_KEY_DIR"] = str(Path(var_dir) / "keys")
    os.environ["NODE_COUNTRY"] = "KZ"
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        if not urlsplit(url).path.lstrip("/").startswith("net247_bench"):
            raise SystemExit("DATABASE_URL must name a throw-away database net247_bench*")
        database.recreate(url)
    database.setup_django()


def _fill(entries: int) -> tuple[Any, list[Any]]:
    """The coordinator, and --entries accepted targets (plus spare ones to decide)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from django.utils import timezone

    from accounts import services as accounts
    from cases.blocking import formats
    from cases.blocking.feed import COUNTER
    from cases.blocking.models import FeedEntry
    from cases.models import Counter, InboundItem, InboundTakedownTarget
    from exchange import services as exchange
    from node import crypto
    from node import services as node_services

    node_services.node_init()
    peer_key = crypto.public_key_text(Ed25519PrivateKey.generate().public_key())
    exchange.peer_add(country="MD", url="https://127.0.0.1:9", keys=[("MD:bench", peer_key)])
    coord = accounts.user_create(
        username="kz.coord", role="coordinator", password="Bench-horse-battery-9", phone=""
    )
    now = timezone.now()
    legal = {"country": "MD", "code": "CC", "article": "220/1"}
    per_item = 100
    items = []
    for n in range(entries // per_item + 1):
        ref = f"MD-TD-2026-{n:06d}"
        items.append(
            InboundItem(
                kind="takedown",
                origin="MD",
                envelope_id=f"00000000-0000-7000-8000-{n:012d}",
                thread=f"00000000-0000-7000-8000-{n:012d}",
                handling="H0",
                ref=ref,
                title=ref,
                body={"request_ref": ref, "legal_basis": legal, "targets": []},
                received_at=now,
            )
        )
    InboundItem.objects.bulk_create(items, batch_size=2000)
    items = list(InboundItem.objects.order_by("id"))
    targets = [
        InboundTakedownTarget(
            item=items[i // per_item],
            target=f"site-{i}.example",
            status="order_issued" if i < entries else "under_review",
        )
        for i in range(entries + per_item)
    ]
    InboundTakedownTarget.objects.bulk_create(targets, batch_size=5000)
    rows = list(InboundTakedownTarget.objects.order_by("id").select_related("item"))
    feed = []
    for i, row in enumerate(rows[:entries]):
        entry = FeedEntry(
            cursor=i + 1,
            action="add",
            target=row.target,
            domain=row.target,
            request_ref=row.item.ref,
            origin="MD",
            legal_basis=legal,
            decided_at=now.replace(microsecond=0),
            decided_by="kz.coord",
            status="order_issued",
            inbound_target=row,
        )
        entry.json_line, entry.csv_line = formats.entry_json(entry), formats.entry_csv(entry)
        feed.append(entry)
    FeedEntry.objects.bulk_create(feed, batch_size=5000)
    Counter.objects.create(name=COUNTER, value=entries)
    return coord, rows[entries:]


def _timed(client: object, url: str) -> tuple[float, bytes]:
    start = time.perf_counter()
    response = client.get(url)  # type: ignore[attr-defined]
    ms = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, response.content[:300]
    assert response["Signature"]
    return ms, bytes(response.content)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--decisions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-feed-") as var_dir:
        _setup(var_dir)
        from django.test import Client

        from cases import takedowns
        from cases.blocking import services

        fill_start = time.perf_counter()
        coord, spare = _fill(args.entries)
        print(f"filled {args.entries} entries in {time.perf_counter() - fill_start:.1f} s")
        _registry, token = services.registry_add(name="bench-registry")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        limit = min(args.entries, 100_000)
        figures: dict[str, list[float]] = {"json": [], "csv": [], "rpz": []}
        for _ in range(args.rounds):
            ms, body = _timed(client, f"/api/v1/blocking/feed.json?after=0&limit={limit}")
            figures["json"].append(ms)
            document = json.loads(body)
            assert len(document["entries"]) == limit
            figures["csv"].append(_timed(client, f"/api/v1/blocking/feed.csv?limit={limit}")[0])
            figures["rpz"].append(_timed(client, "/api/v1/blocking/feed.rpz")[0])
        cursor = int(document["cursor"]) if args.entries <= limit else 0
        cursor = max(cursor, args.entries)
        latencies = []
        for row in spare[: args.decisions]:
            start = time.perf_counter()
            takedowns.takedown_status_report(
                actor=coord, item=row.item, target=row.target, status="order_issued"
            )
            found = False
            while not found:
                _ms, body = _timed(client, f"/api/v1/blocking/feed.json?after={cursor}")
                entries = json.loads(body)["entries"]
                found = any(e["target"] == row.target for e in entries)
                if entries:
                    cursor = entries[-1]["cursor"]
            latencies.append((time.perf_counter() - start) * 1000)
        result = {
            "entries": args.entries,
            "feed_ms": round(statistics.median(figures["json"]), 1),
            "csv_ms": round(statistics.median(figures["csv"]), 1),
            "rpz_ms": round(statistics.median(figures["rpz"]), 1),
            "decision_to_feed_ms": round(max(latencies), 1),
            "decision_to_feed_p50_ms": round(statistics.median(latencies), 1),
            "database": "postgresql" if os.environ.get("DATABASE_URL") else "sqlite",
        }
        print(
            f"feed.json of {limit}: {result['feed_ms']} ms (median of {args.rounds}); "
            f"csv {result['csv_ms']} ms; rpz {result['rpz_ms']} ms"
        )
        print(
            f"decision to feed: max {result['decision_to_feed_ms']} ms, "
            f"p50 {result['decision_to_feed_p50_ms']} ms over {len(latencies)} decisions"
        )
        print(json.dumps(result) if args.json else result)


if __name__ == "__main__":
    main()
