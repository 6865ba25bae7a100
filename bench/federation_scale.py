"""Benchmark: an N-node federation on this machine; fan-out, idle memory, delivery cost.

    .venv/bin/python bench/federation_scale.py --nodes 20 [--rounds 3] [--json]

Starts N nodes (deploy.federation, free ports, a temporary directory; embedded, or
PostgreSQL + Redis when DATABASE_URL/REDIS_URL are set: then each node also runs its
Celery worker), every node enrolled with every other. MD and the four other countries
come first; the rest have ISO 3166-1 user-assigned codes (XA, XB, ...; they name no state),
which the nodes accept through NODE_EXTRA_COUNTRIES, a setting refused in production.

Measured, in this order:
- memory per idle node: the RSS of each node's process group (the node, and its worker
  with Redis) after --settle seconds with nothing to do, and the CPU all nodes used meanwhile
  (idle work: sweeps, escalation checks);
- fan-out: one signed case.notification from MD to k peers, for k = 1, 4, 9, ... up to
  N-1 (--rounds times each), time from the outbox rows' commit to the last verified
  receipt stored at MD (delivered_at: a receipt is stored only once verified), and MD's CPU
  per receipt (the slope of the sending side's CPU over k: embedded, the `message send`
  command delivers from its own process). How that time grows with k is how delivery cost
  grows with N.
Last line: JSON with nodes, rss_mb (mean, max), idle_cpu_percent_per_node, fanout
(k -> seconds per round), fanout_all_seconds (median, k = N-1), md_cpu_ms_per_receipt, lost.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deploy.federation import Federation, Node

FIVE = ["MD", "KZ", "KG", "UZ", "TJ"]
EXTRA = [f"X{c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"] + [f"Q{c}" for c in "MNOPQRSTUVWXYZ"]
BODY = {
    "case_ref": "MD-SCALE-{n}",
    "title": "Scale notification {n}",
    "summary": "One notification fanned out to the federation.",
    "offence": {"country": "MD", "code": "CC", "article": "220/1", "part": "1"},
    "facts": ["online_recruitment"],
    "urgency": "urgent",
}


def countries_for(n: int) -> list[str]:
    if n > len(FIVE) + len(EXTRA):
        raise SystemExit(f"at most {len(FIVE) + len(EXTRA)} nodes (user-assigned codes)")
    return (FIVE + EXTRA)[:n]


def _stamp(value: Any) -> float:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.timestamp()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def fan_out(md: Node, to: list[str], n: int, timeout: float) -> dict[str, Any]:
    """`message send` commits the outbox rows and, embedded, delivers them from its own
    process's pool (8 threads; with Redis, MD's worker does): its CPU and the node's count."""
    body = json.dumps({k: v.replace("{n}", str(n)) if isinstance(v, str) else v
                       for k, v in BODY.items()})  # fmt: skip
    cpu_before = md.cpu_seconds() + _children_cpu()
    envelope_id = md.manage(
        "message", "send", "--type", "case.notification", "--to", ",".join(to), "--body", body
    ).split()[0]
    query = (
        "SELECT min(e.next_attempt_at), max(e.delivered_at), count(e.delivered_at), count(*) "
        "FROM exchange_outboxentry e JOIN exchange_outboundmessage m ON m.id = e.message_id "
        "WHERE m.envelope_id = ?"
    )
    deadline = time.monotonic() + timeout
    while True:
        first, last, delivered, total = md.sql(query, (envelope_id,))[0]
        if delivered == total or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    return {
        "k": len(to),
        "seconds": round(_stamp(last) - _stamp(first), 3) if delivered == total else None,
        "lost": int(total) - int(delivered),
        # The command's start-up is in it too: the cost per receipt is the slope over k.
        "md_cpu_seconds": md.cpu_seconds() + _children_cpu() - cpu_before,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    countries = countries_for(args.nodes)
    env = {
        "NODE_EXTRA_COUNTRIES": ",".join(c for c in countries if c not in FIVE),
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    with tempfile.TemporaryDirectory(prefix="net247-scale-") as directory:
        fed = Federation(countries, Path(directory), env=env, fresh=True, db_suffix="_scale")
        mode = "postgres+redis" if fed.node("MD").database_url else "embedded"
        began = time.monotonic()
        try:
            fed.init()
            init_seconds = time.monotonic() - began
            fed.start()
            start_seconds = time.monotonic() - began - init_seconds
            md = fed.node("MD")
            time.sleep(args.settle / 2)  # start-up announcements and first sweeps
            cpu_before = {node.country: node.cpu_seconds() for node in fed}
            time.sleep(args.settle)
            idle_cpu = [
                (node.cpu_seconds() - cpu_before[node.country]) / args.settle * 100 for node in fed
            ]
            rss = [node.rss_mb() for node in fed]
            peers = [c for c in countries if c != "MD"]
            sizes = sorted({k for k in (1, 4, 9, 19, 29, 39, len(peers)) if k <= len(peers)})
            rounds: dict[str, list[Any]] = {}
            cpu: dict[int, list[float]] = {}
            n = 0
            for _ in range(args.rounds):
                for k in sizes:
                    n += 1
                    result = fan_out(md, peers[:k], n, args.timeout)
                    rounds.setdefault(str(k), []).append(result["seconds"])
                    cpu.setdefault(k, []).append(result["md_cpu_seconds"])
                    if result["lost"]:
                        rounds.setdefault("lost", []).append(result)
        finally:
            fed.stop()
            if not os.environ.get("BENCH_KEEP"):
                fed.drop_databases()
    all_rounds = [s for s in rounds[str(len(peers))] if s is not None]
    first, last = min(cpu), max(cpu)
    slope = (
        (statistics.median(cpu[last]) - statistics.median(cpu[first])) / (last - first) * 1000
        if last > first
        else None
    )
    return {
        "mode": mode,
        "nodes": args.nodes,
        "init_seconds": round(init_seconds, 1),
        "start_seconds": round(start_seconds, 1),
        "rss_mb_mean": round(statistics.fmean(rss), 1),
        "rss_mb_max": round(max(rss), 1),
        "idle_cpu_percent_per_node": round(statistics.fmean(idle_cpu), 2),
        "fanout": {k: v for k, v in rounds.items() if k != "lost"},
        "fanout_all_seconds": round(statistics.median(all_rounds), 3) if all_rounds else None,
        "md_cpu_ms_per_receipt": round(slope, 1) if slope is not None else None,
        "lost": sum(r["lost"] for r in rounds.get("lost", [])),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--settle", type=float, default=20, help="idle seconds measured")
    parser.add_argument("--timeout", type=float, default=120, help="per fan-out")
    parser.add_argument("--json", action="store_true", help="only the JSON line")
    args = parser.parse_args()
    result = run(args)
    if not args.json:
        print(
            f"{result['nodes']} nodes ({result['mode']}): idle RSS {result['rss_mb_mean']} MB "
            f"per node (max {result['rss_mb_max']}), idle CPU "
            f"{result['idle_cpu_percent_per_node']} % per node; one notification to "
            f"{args.nodes - 1} peers: last verified receipt after {result['fanout_all_seconds']} s "
            f"(median), MD CPU {result['md_cpu_ms_per_receipt']} ms per receipt; "
            f"by fan-out size: {result['fanout']}; lost {result['lost']}"
        )
    print(json.dumps(result))
    return 0 if result["lost"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
