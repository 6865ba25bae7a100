"""Benchmark: from the MD coordinator's API call to the alert frame at KZ's duty desk.

    .venv/bin/python bench/alert_latency.py --rate 20 --seconds 10 [--json]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/net247_bench \
    REDIS_URL=redis://127.0.0.1:6379/6 SECRET_KEY=x .venv/bin/python bench/alert_latency.py ...

Starts MD and KZ (deploy.federation, free ports, a temporary directory; embedded, or
PostgreSQL + Redis when DATABASE_URL/REDIS_URL are set), creates MD's coordinator and
KZ's on-call prosecutor, opens the prosecutor's WebSocket (ws/alerts/, single-use
ticket), and creates the cases in advance. Then, at --rate per second for --seconds, the
coordinator calls `POST /api/v1/cases/<id>/notify/` (urgent, to KZ); each latency is from
the start of that call to the frame of that case on the open WebSocket (`alert.paged`,
or `alert.grouped` once the burst has formed a group: the desk is told either way)
(through: MD's outbox, signed HTTP delivery to KZ's inbox, the cases handler, alert_raise,
the first escalation step, the per-user event, the channel layer push). Before the
measured run, --warmup seconds (1) at the same rate: right after start the first messages
pay for new database connections, worker threads and first imports in four processes;
their figures are reported apart (warmup_*), and a loss there counts as a loss.
BENCH_SERIES=1 prints every latency in sending order to stderr.

The floor, measured in the same run on the same servers: a bare authenticated HTTP POST
to MD (`/api/v1/alerts/ws-ticket/`) plus a WebSocket echo (ping/pong) on KZ's open
socket, at the same rate. Target (issue 6): p99 <= 250 ms, nothing lost, at 20/s for 10 s.
BENCH_KEEP=1 keeps the nodes' PostgreSQL databases for a look afterwards; BENCH_LOG_LEVEL
sets the nodes' log level (WARNING).
Last line: JSON with p50_ms, p95_ms, p99_ms, sent, received, lost, floor_p99_ms.

    .venv/bin/python bench/alert_latency.py --sweep [--rates 20,35,50,70,100,140,200]
        [--step-seconds 5] [--json]

--sweep: one federation, a warm-up, then steps of --step-seconds at increasing rates; it
stops after the first step past the knee (p99 over 1 s, or a notification lost). Each
step gives p50/p99/lost and MD's outbox-to-receipt p50/p99 and how many entries needed a
retry (a 429 from --serve production: each node served by the production kit's own units (bench/
production_node.py: gunicorn for HTTP, uvicorn for WebSockets only, the Celery workers and
beat), as deploy/production runs it; PostgreSQL + Redis only.

KZ's inbox rate limit shows there), and the CPU MD's and KZ's processes
used per notification (md_cpu_ms, kz_cpu_ms: the load of a shared machine moves it less
than it moves latency). Last line: JSON with knee_rate (the
highest rate whose p99 is within 1 s with nothing lost, 0 if none) and the steps.

KZ's inbox rate limit (EXCHANGE_INBOX_RATE, 50/s per peer by default) would make any rate
above it a knee by configuration: the nodes run with --inbox-rate (1000/s, burst 4x) so the
bench measures the delivery path; `--inbox-rate 50` shows the default's effect.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import websockets
from websockets.typing import Origin

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deploy.federation import Federation, free_port

PASSWORD = "Bench-horse-battery-9"
SETUP = """
import json
from accounts import services
from alerts import services as alerts
out = {}
for name, role in json.loads(%r):
    user = services.user_create(username=name, role=role, password=%r, phone="+7 700 000 00 00")
    alerts.channel_add(user=user, kind="email", target=name + "@example.org")
    out[name] = services.token_create(user=user, name="bench")[1]
print(json.dumps(out))
"""
CASE: dict[str, Any] = {
    "summary": "Benchmark case.",
    "offence": {"country": "MD", "code": "CC", "article": "220/1", "part": "1"},
    "facts": ["adult_victim", "online"],
    "urgency": "urgent",
    "indicators": [],
}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def tokens_for(fed: Federation, country: str, people: list[tuple[str, str]]) -> dict[str, str]:
    out = fed.node(country).manage("shell", "-c", SETUP % (json.dumps(people), PASSWORD))
    return dict(json.loads(out.strip().splitlines()[-1]))


class Desk:
    """MD's API client and KZ's open duty-desk WebSocket, shared by the steps of a run."""

    def __init__(self, fed: Federation, tokens: dict[str, str], kz_ws_url: str) -> None:
        md, kz = fed.node("MD"), fed.node("KZ")
        headers = {"Authorization": f"Bearer {tokens['md.coord']}"}
        self.md_api = httpx.AsyncClient(base_url=md.url + "/api/v1", headers=headers, timeout=30)
        self.kz_api = httpx.AsyncClient(
            base_url=kz.url + "/api/v1",
            headers={"Authorization": f"Bearer {tokens['kz.p1']}"},
            timeout=30,
        )
        self.kz_url = kz.url
        self.kz_ws_url = kz_ws_url
        self.arrived: dict[str, float] = {}
        self.pongs: dict[int, float] = {}
        self.started: dict[str, float] = {}
        self.statuses: dict[int, int] = {}
        self.answered: dict[int, float] = {}
        self.case_ids: dict[int, int] = {}
        self.next_index = 0

    async def create_cases(self, n: int) -> range:
        """n cases created in advance (8 calls at a time); their indexes."""
        first = self.next_index
        self.next_index += n
        limit = asyncio.Semaphore(8)

        async def one(i: int) -> None:
            async with limit:
                answer = await self.md_api.post("/cases/", json={**CASE, "title": f"bench-{i}"})
                answer.raise_for_status()
                self.case_ids[i] = answer.json()["id"]

        await asyncio.gather(*(one(i) for i in range(first, first + n)))
        return range(first, first + n)

    async def reader(self, ws: Any) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            now = time.perf_counter()
            if frame.get("type") == "pong":
                self.pongs[int(frame["t"])] = now
            elif frame.get("type") in ("alert.paged", "alert.grouped"):
                self.arrived.setdefault(frame["alert"]["title"].split(": ")[-1], now)

    async def fire(self, i: int) -> None:
        self.started[f"bench-{i}"] = time.perf_counter()
        answer = await self.md_api.post(
            f"/cases/{self.case_ids[i]}/notify/", json={"to": ["KZ"], "handling": "H1"}
        )
        self.statuses[i] = answer.status_code
        self.answered[i] = time.perf_counter() - self.started[f"bench-{i}"]

    async def burst(self, indexes: range, rate: float, drain: float) -> tuple[float, float]:
        """Notify at `rate`/s; wait up to `drain` s for the last frames. Wall-clock span."""
        begin_wall, begin = time.time(), time.perf_counter()
        sends = []
        for n, i in enumerate(indexes):
            await asyncio.sleep(max(0.0, begin + n / rate - time.perf_counter()))
            sends.append(asyncio.create_task(self.fire(i)))
        await asyncio.gather(*sends)
        end_wall = time.time()
        deadline = time.perf_counter() + drain
        keys = [f"bench-{i}" for i in indexes]
        while time.perf_counter() < deadline and not all(k in self.arrived for k in keys):
            await asyncio.sleep(0.05)
        return begin_wall, end_wall

    def latencies(self, indexes: range) -> list[float]:
        keys = [f"bench-{i}" for i in indexes]
        return [(self.arrived[k] - self.started[k]) * 1000 for k in keys if k in self.arrived]

    async def close(self) -> None:
        await self.md_api.aclose()
        await self.kz_api.aclose()


async def _open_desk(desk: Desk) -> Any:
    ticket = (await desk.kz_api.post("/alerts/ws-ticket/")).json()["ticket"]
    url = desk.kz_ws_url + "/ws/alerts/"
    ws = await websockets.connect(url, origin=Origin(desk.kz_url), max_queue=None)
    await ws.send(json.dumps({"ticket": ticket, "last_seq": 0}))
    assert json.loads(await ws.recv())["type"] == "hello"
    return ws


async def run(args: argparse.Namespace, fed: Federation, tokens: dict[str, str]) -> dict[str, Any]:
    desk = Desk(fed, tokens, args.kz_ws_url)
    warm_ids = await desk.create_cases(int(args.rate * args.warmup))
    ids = await desk.create_cases(int(args.rate * args.seconds))
    warm, count = len(warm_ids), len(ids)
    ws = await _open_desk(desk)
    reading = asyncio.create_task(desk.reader(ws))
    # Warm-up at the same rate: the first messages after a start pay for new database
    # connections, worker threads and first imports in four processes. Reported apart.
    await desk.burst(warm_ids, args.rate, args.drain)
    await desk.burst(ids, args.rate, args.drain)

    # The floor: a bare authenticated POST, then a WebSocket echo, at the same rate.
    floor: list[float] = []
    for i in range(count):
        t0 = time.perf_counter()
        (await desk.md_api.post("/alerts/ws-ticket/")).raise_for_status()
        t1 = time.perf_counter()
        await ws.send(json.dumps({"type": "ping", "t": i}))
        while i not in desk.pongs:
            await asyncio.sleep(0.0005)
        floor.append((t1 - t0) + (desk.pongs[i] - t1))
        await asyncio.sleep(max(0.0, 1 / args.rate - (time.perf_counter() - t0)))
    reading.cancel()
    await ws.close()
    await desk.close()

    warmup = desk.latencies(warm_ids)
    latencies = desk.latencies(ids)
    if os.environ.get("BENCH_SERIES"):
        print("in sending order (ms):", [round(x) for x in warmup + latencies], file=sys.stderr)
        calls = [round(desk.answered[i] * 1000) for i in sorted(desk.answered)]
        print("the notify call alone (ms):", calls, file=sys.stderr)
    floor_ms = [f * 1000 for f in floor]
    return {
        "mode": args.mode,
        "rate": args.rate,
        "seconds": args.seconds,
        "inbox_rate": args.inbox_rate,
        "sent": count,
        "accepted": sum(1 for i in ids if desk.statuses.get(i) == 202),
        "received": len(latencies),
        "lost": count - len(latencies) + warm - len(warmup),  # the warm-up's losses too
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "max_ms": round(max(latencies), 1) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else None,
        "warmup_sent": warm,
        "warmup_lost": warm - len(warmup),
        "warmup_p99_ms": round(percentile(warmup, 99), 1),
        "warmup_max_ms": round(max(warmup), 1) if warmup else None,
        "floor_p50_ms": round(percentile(floor_ms, 50), 1),
        "floor_p99_ms": round(percentile(floor_ms, 99), 1),
    }


KNEE_MS = 1000.0


async def sweep(
    args: argparse.Namespace, fed: Federation, tokens: dict[str, str]
) -> dict[str, Any]:
    """Increasing rates, one short step each, until the first step past the knee."""
    md = fed.node("MD")
    rates = [float(r) for r in args.rates.split(",")]
    desk = Desk(fed, tokens, args.kz_ws_url)
    ws = await _open_desk(desk)
    reading = asyncio.create_task(desk.reader(ws))
    warm_ids = await desk.create_cases(int(rates[0] * args.warmup))
    await desk.burst(warm_ids, rates[0], args.drain)
    steps: list[dict[str, Any]] = []
    knee, past_knee = 0.0, False
    kz = fed.node("KZ")
    for rate in rates:
        ids = await desk.create_cases(int(rate * args.step_seconds))
        cpu = md.cpu_seconds(), kz.cpu_seconds()
        begin, end = await desk.burst(ids, rate, args.drain)
        cpu = md.cpu_seconds() - cpu[0], kz.cpu_seconds() - cpu[1]
        latencies = desk.latencies(ids)
        step = {
            "rate": rate,
            "sent": len(ids),
            "p50_ms": round(percentile(latencies, 50), 1),
            "p99_ms": round(percentile(latencies, 99), 1),
            "lost": len(ids) - len(latencies),
            "notify_call_p99_ms": round(
                percentile([desk.answered[i] * 1000 for i in ids if i in desk.answered], 99), 1
            ),
            # CPU per notification (idle work in the step included): moves less with the
            # machine's load than latency does.
            "md_cpu_ms": round(cpu[0] * 1000 / len(ids), 1),
            "kz_cpu_ms": round(cpu[1] * 1000 / len(ids), 1),
            **outbox_breakdown(md, begin, end),
        }
        steps.append(step)
        if not args.json:
            print(json.dumps(step), flush=True)
        if step["lost"] or not step["p99_ms"] <= KNEE_MS:
            past_knee = True
            if not args.keep_going:
                break
        elif not past_knee:
            knee = rate
        await asyncio.sleep(1)  # let the step's stragglers (escalations, acks) settle
    reading.cancel()
    await ws.close()
    await desk.close()
    return {
        "mode": args.mode,
        "knee_rate": knee,
        "knee_p99_ms": KNEE_MS,
        "step_seconds": args.step_seconds,
        "inbox_rate": args.inbox_rate,
        "warmup_lost": len(warm_ids) - len(desk.latencies(warm_ids)),
        "lost": sum(step["lost"] for step in steps),
        "steps": steps,
    }


def _stamp(value: Any) -> float:
    if isinstance(value, str):
        from datetime import datetime

        value = datetime.fromisoformat(value)
    return float(value.timestamp())


def outbox_breakdown(md: Any, begin: float, end: float) -> dict[str, Any]:
    """MD's outbox row -> verified receipt for the notifications queued in [begin, end]
    (wall clock), and how many of them needed more than one attempt."""
    rows = md.sql(
        "SELECT e.next_attempt_at, e.delivered_at, e.attempts, m.created_at "
        "FROM exchange_outboxentry e JOIN exchange_outboundmessage m ON m.id = e.message_id "
        "WHERE m.type = 'case.notification' AND e.delivered_at IS NOT NULL"
    )
    chosen = [r for r in rows if begin - 1 <= _stamp(r[3]) <= end + 1]
    first = [(_stamp(r[1]) - _stamp(r[0])) * 1000 for r in chosen if r[2] == 1]
    return {
        "md_outbox_to_receipt_p50_ms": round(percentile(first, 50), 1),
        "md_outbox_to_receipt_p99_ms": round(percentile(first, 99), 1),
        "retried": sum(1 for r in chosen if r[2] > 1),
    }


def breakdown(fed: Federation) -> dict[str, Any]:
    """Where the time went: MD's outbox row -> its verified receipt (MD's clock), and
    KZ's inbound row -> the alert raised from it (KZ's clock).

    The outbox side starts at the entry's first next_attempt_at (the commit's time, to the
    microsecond), not at the message's created_at, which the envelope carries in whole
    seconds and so added up to a second; entries that needed a retry are left out."""
    rows = fed.node("KZ").sql(
        "SELECT e.created_at, e.received_at, a.created_at FROM exchange_inboundmessage e "
        "JOIN alerts_alert a ON a.envelope_id = e.envelope_id"
    )
    handling = [(_stamp(r[2]) - _stamp(r[1])) * 1000 for r in rows]
    sent = fed.node("MD").sql(
        "SELECT e.next_attempt_at, e.delivered_at FROM exchange_outboxentry e "
        "JOIN exchange_outboundmessage m ON m.id = e.message_id "
        "WHERE m.type = 'case.notification' AND e.delivered_at IS NOT NULL"
        " AND e.attempts = 1"
    )
    outbox = [(_stamp(r[1]) - _stamp(r[0])) * 1000 for r in sent]
    retried = fed.node("MD").sql(
        "SELECT count(*) FROM exchange_outboxentry e JOIN exchange_outboundmessage m "
        "ON m.id = e.message_id WHERE m.type = 'case.notification' AND e.attempts > 1"
    )
    return {
        "md_outbox_to_receipt_p50_ms": round(percentile(outbox, 50), 1),
        "md_outbox_to_receipt_p99_ms": round(percentile(outbox, 99), 1),
        "inbox_to_alert_p99_ms": round(percentile(handling, 99), 1),
        "retried": int(retried[0][0]),
    }


def start(fed: Federation, production: bool) -> tuple[str, str]:
    """Start both nodes; the run's mode and the WebSocket base URL of KZ's duty desk."""
    kz = fed.node("KZ")
    if not production:
        fed.start()
        mode = "postgresql+redis" if kz.database_url else "embedded"
        return mode, kz.url.replace("http://", "ws://")
    ws_ports = {node.country: free_port() for node in fed}
    script = str(Path(__file__).resolve().parent / "production_node.py")
    for node in fed:
        ports = ["--http-port", str(node.port), "--ws-port", str(ws_ports[node.country])]
        node.start([sys.executable, script, *ports])
    for node in fed:
        node.wait_ready()
    return "production (gunicorn+uvicorn+celery)", f"ws://127.0.0.1:{ws_ports['KZ']}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--drain", type=float, default=15, help="seconds to wait for stragglers")
    parser.add_argument(
        "--warmup", type=float, default=1.0, help="seconds at --rate before the measured run"
    )
    parser.add_argument("--json", action="store_true", help="only the JSON line")
    parser.add_argument("--sweep", action="store_true", help="increasing rates to the knee")
    parser.add_argument("--rates", default="20,35,50,70,100,140,200")
    parser.add_argument("--step-seconds", type=float, default=5)
    parser.add_argument("--keep-going", action="store_true", help="run every rate of --rates")
    parser.add_argument(
        "--inbox-rate", type=int, default=1000, help="the nodes' EXCHANGE_INBOX_RATE (per peer)"
    )
    parser.add_argument(
        "--serve",
        choices=["node", "production"],
        default="node",
        help="`node run` (one ASGI process and its worker), or the production kit's units "
        "(gunicorn, uvicorn for WebSockets, Celery workers and beat; PostgreSQL + Redis)",
    )
    args = parser.parse_args()
    production = args.serve == "production"
    if production and not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        parser.error("--serve production needs DATABASE_URL and REDIS_URL")
    directory = Path(tempfile.mkdtemp(prefix="net247-alert-bench-"))
    env = {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
           "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
           "EXCHANGE_INBOX_RATE": str(args.inbox_rate),
           "EXCHANGE_INBOX_BURST": str(4 * args.inbox_rate)}  # fmt: skip
    fed = Federation(["MD", "KZ"], directory, env=env, fresh=True, db_suffix="_alertbench")
    try:
        fed.init()
        args.mode, args.kz_ws_url = start(fed, production)
        tokens = tokens_for(fed, "MD", [("md.coord", "coordinator")])
        tokens |= tokens_for(fed, "KZ", [("kz.p1", "prosecutor")])
        fed.node("KZ").manage("oncall", "set", "--users", "kz.p1", "--handoff", "00:00")
        if args.sweep:
            result = asyncio.run(sweep(args, fed, tokens))
        else:
            result = asyncio.run(run(args, fed, tokens))
            result.update(breakdown(fed))
    finally:
        fed.stop()
        if not os.environ.get("BENCH_KEEP"):
            fed.drop_databases()
    if args.sweep and not args.json:
        print(f"{result['mode']}: knee {result['knee_rate']}/s (p99 <= 1 s, nothing lost)")
    elif not args.json:
        print(
            f"{result['mode']}: {result['sent']} notifications at {args.rate}/s: "
            f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, "
            f"lost {result['lost']}; warm-up ({result['warmup_sent']}, first after start): "
            f"p99 {result['warmup_p99_ms']} ms, lost {result['warmup_lost']}; "
            f"floor p99 {result['floor_p99_ms']} ms "
            f"(ratio p99/floor {result['p99_ms'] / result['floor_p99_ms']:.1f}); "
            f"target p99 <= 250 ms"
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
