"""Benchmark: a node back from an outage, and how long its peer takes to catch it up.

    .venv/bin/python bench/backlog_drain.py --count 1000 [--json]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/net247_bench \
    REDIS_URL=redis://127.0.0.1:6379/6 SECRET_KEY=x .venv/bin/python bench/backlog_drain.py ...

Starts MD and KZ (deploy.federation, free ports, a temporary directory; embedded, or
PostgreSQL + Redis when DATABASE_URL/REDIS_URL are set), stops KZ, queues --count signed
case notifications at MD for KZ (`manage.py message send --count`, the same outbox as the
API's notify), starts KZ again and waits for every one to be delivered.

drain_seconds runs from KZ answering /readyz to the last verified receipt stored at MD
(the outbox's `delivered_at`). lost: notifications KZ never stored; duplicates: envelopes
KZ stored more than once, or alerts raised more than once for one envelope. Issue 18's
target: 1,000 in at most 60 s, nothing lost or duplicated, in both modes.
Last line: JSON with count, drain_seconds, rate_per_s, lost, duplicates, mode.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deploy.federation import Federation, Node

BODY = {
    "case_ref": "MD-BACKLOG-{n}",
    "title": "Backlog notification {n}",
    "summary": "Synthetic notification queued while the receiver was down.",
    "offence": {"country": "MD", "code": "CC", "article": "220/1", "part": "1"},
    "facts": ["online_recruitment"],
    "urgency": "urgent",
}


def _delivered_at_md(md: Node) -> tuple[int, float | None]:
    rows = md.sql(
        "SELECT count(*), max(e.delivered_at) FROM exchange_outboxentry e "
        "JOIN exchange_outboundmessage m ON m.id = e.message_id "
        "WHERE e.status = 'delivered' AND m.type = 'case.notification'"
    )
    count, last = rows[0]
    if last is None:
        return int(count), None
    from datetime import datetime

    moment = last if isinstance(last, datetime) else datetime.fromisoformat(str(last))
    return int(count), moment.timestamp()


def run(count: int, timeout: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="net247-drain-") as directory:
        fed = Federation(["MD", "KZ"], Path(directory), fresh=True, db_suffix="_drain")
        mode = "postgres+redis" if os.environ.get("DATABASE_URL") else "embedded"
        fed.init()
        fed.start()
        md, kz = fed.node("MD"), fed.node("KZ")
        try:
            kz.stop()
            queued_at = time.monotonic()
            ids = md.manage(
                "message", "send", "--type", "case.notification", "--to", "KZ",
                "--body", json.dumps(BODY), "--count", str(count), timeout=900,
            ).split()  # fmt: skip
            queue_seconds = time.monotonic() - queued_at
            kz.start()
            kz.wait_ready()
            answering = time.time()
            deadline = time.monotonic() + timeout
            delivered, last = 0, None
            while time.monotonic() < deadline:
                delivered, last = _delivered_at_md(md)
                if delivered >= count:
                    break
                time.sleep(0.5)
            stored = kz.sql(
                "SELECT envelope_id, count(*) FROM exchange_inboundmessage "
                "WHERE origin = 'MD' AND type = 'case.notification' GROUP BY envelope_id"
            )
            alerts = kz.sql(
                "SELECT envelope_id, count(*) FROM alerts_alert WHERE envelope_id <> '' "
                "GROUP BY envelope_id"
            )
        finally:
            fed.stop()
            if not os.environ.get("BENCH_KEEP"):
                fed.drop_databases()
    got = {row[0] for row in stored}
    duplicates = sum(n - 1 for _, n in stored) + sum(n - 1 for _, n in alerts)
    drain = (last - answering) if (last is not None and delivered >= count) else None
    return {
        "count": count,
        "queue_seconds": round(queue_seconds, 1),
        "delivered": delivered,
        "drain_seconds": round(drain, 1) if drain is not None else None,
        "rate_per_s": round(count / drain, 1) if drain else None,
        "lost": len(set(ids) - got),
        "duplicates": duplicates,
        "alerts": len(alerts),
        "mode": mode,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--json", action="store_true", help="only the JSON line")
    args = parser.parse_args()
    result = run(args.count, args.timeout)
    if not args.json:
        print(
            f"{result['count']} notifications queued in {result['queue_seconds']} s; "
            f"drained in {result['drain_seconds']} s after KZ answered "
            f"({result['rate_per_s']}/s), lost {result['lost']}, "
            f"duplicates {result['duplicates']} ({result['mode']})"
        )
    print(json.dumps(result))
    return 0 if result["lost"] == 0 and result["duplicates"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
