"""Cost of an audit checkpoint (tree head + consistency proof) over a large log.

    .venv/bin/python bench/audit_checkpoint.py [--entries 1000000] [--append 1000]
        [--rounds 5] [--json]

DATABASE_URL picks the database (default: a SQLite file under /tmp); it is emptied
(PostgreSQL: dropped and created) and migrated, then filled with `--entries` synthetic
entries whose hashes chain exactly as `record` chains them (bulk inserts, not `record`).
Then: the tree is folded once (`fold_ms`: what the first checkpoint after an upgrade
pays); each round appends `--append` entries through `audit.services.record` and times a
checkpoint: `tree_head()` and `consistency_proof(previous size)`, the incremental path,
folding the new entries in (`checkpoint_ms`: median of the rounds; each proof is checked
with `merkle.verify_consistency`); last, the full recompute: every leaf read and
`merkle.root` over them (`full_recompute_ms`), which must give the same root.
Target (issue 21): checkpoint under 100 ms at 1,000,000 entries.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import database

DEFAULT_URL = "sqlite:////tmp/net247_bench_checkpoint.sqlite3"
BATCH = 10_000


def _build(entries: int) -> None:
    """Append `entries` synthetic rows after the head, chained as `record` chains them."""
    from django.db import transaction
    from django.utils import timezone

    from audit import chain
    from audit.models import AuditEntry, AuditHead

    head, _ = AuditHead.objects.get_or_create(id=1)
    seq, prev = head.last_seq, head.last_hash
    base = timezone.now() - timedelta(days=365)
    done = 0
    while done < entries:
        rows = []
        for _ in range(min(BATCH, entries - done)):
            seq += 1
            entry = AuditEntry(
                seq=seq,
                at=base + timedelta(seconds=seq * 30),
                actor=f"user{seq % 40}",
                actor_kind="user",
                role="prosecutor",
                action="case.read",
                object_type="case",
                object_id=str(seq % 9000),
                outcome="success",
                client_ip="10.0.0.1",
                request_id=f"{seq:032x}",
                details={"fields": ["title", "summary"], "n": seq % 7},
                prev_hash=prev,
            )
            entry.entry_hash = prev = chain.entry_digest(prev, chain.entry_fields(entry))
            rows.append(entry)
        with transaction.atomic():
            AuditEntry.objects.bulk_create(rows, batch_size=2000)
            AuditHead.objects.filter(id=1).update(last_seq=seq, last_hash=prev)
        done += len(rows)


def _append(count: int) -> None:
    from django.db import transaction

    from audit import services

    with transaction.atomic(), services.deferred():
        for i in range(count):
            services.record(action="bench.append", object_type="case", object_id=i)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--append", type=int, default=1000, help="entries between checkpoints")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="(the last line is JSON anyway)")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    database.recreate(url)
    os.environ["DATABASE_URL"] = url
    database.setup_django()

    from django.db import connection

    from audit import merkle, services, tree
    from audit.models import AuditEntry, AuditHead, AuditTreeNode

    began = time.perf_counter()
    _build(args.entries)
    build_s = time.perf_counter() - began
    size = AuditHead.objects.get(id=1).last_seq
    print(f"built {size:,} entries in {build_s:.1f} s ({connection.vendor})")

    began = time.perf_counter()
    tree.fold(size)
    fold_ms = (time.perf_counter() - began) * 1000
    nodes = AuditTreeNode.objects.count()
    print(f"first fold: {fold_ms:,.0f} ms, {nodes:,} nodes stored")

    last = services.tree_head()
    timings: list[float] = []
    ok = True
    for _ in range(args.rounds):
        _append(args.append)
        began = time.perf_counter()
        head = services.tree_head()
        proof = services.consistency_proof(last["size"], head["size"])
        elapsed = (time.perf_counter() - began) * 1000
        timings.append(elapsed)
        ok = ok and merkle.verify_consistency(
            last["size"],
            head["size"],
            bytes.fromhex(last["root_hash"]),
            bytes.fromhex(head["root_hash"]),
            [bytes.fromhex(h) for h in proof],
        )
        print(
            f"checkpoint {last['size']:,} -> {head['size']:,}: {elapsed:6.1f} ms "
            f"({len(proof)} proof hashes)"
        )
        last = head

    began = time.perf_counter()
    hashes = AuditEntry.objects.order_by("seq").values_list("entry_hash", flat=True)
    leaves = [merkle.leaf_hash(bytes.fromhex(h)) for h in hashes.iterator(chunk_size=5000)]
    full_root = merkle.root(leaves)
    full_ms = (time.perf_counter() - began) * 1000
    same = full_root.hex() == last["root_hash"] and len(leaves) == last["size"]
    ok = ok and same
    checkpoint_ms = statistics.median(timings)
    print(f"full recompute (every leaf read, merkle.root): {full_ms:,.0f} ms, same root: {same}")
    print(
        f"checkpoint median {checkpoint_ms:.1f} ms, max {max(timings):.1f} ms "
        f"(target < 100 ms): {full_ms / checkpoint_ms:,.0f} times faster than the full recompute"
    )
    result = {
        "entries": last["size"],
        "database": connection.vendor,
        "build_s": round(build_s, 1),
        "fold_ms": round(fold_ms, 1),
        "checkpoint_ms": round(checkpoint_ms, 2),
        "checkpoint_max_ms": round(max(timings), 2),
        "full_recompute_ms": round(full_ms, 1),
        "ratio": round(full_ms / checkpoint_ms, 1),
        "append_per_round": args.append,
        "rounds": args.rounds,
        "ok": ok,
    }
    print(json.dumps(result))
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
