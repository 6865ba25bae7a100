"""Benchmark: every page rendered with 10,000 cases and 50,000 received items in PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/net247_bench_pages \\
        .venv/bin/python bench/pages.py [--runs 20] [--json] [--refill]

Target (issue 19): no page takes longer than 300 ms (p95) to render.

The database (default postgres://postgres@127.0.0.1:5432/net247_bench_pages, created if
missing and migrated) is filled once with synthetic rows through bulk_create: 10,000
cases (a third of them notified to one or two countries), 50,000 received items (a
quarter of them takedown requests with a target each), 20,000 alerts (a tenth of them
paging the prosecutor), 1,000 takedowns with three reported steps each and 100,000
audit entries appended through `audit.services.record` (a valid chain: the auditor's
page verifies it). The prosecutor's unit is granted every tenth case and item through
guardian, as the services would. Later runs reuse the rows; `--refill` starts over.

Each page is rendered through Django's test Client (the whole middleware stack, the
session of a user who passed TOTP) as the role that sees it: twice to warm up, then
`--runs` times. It prints per page p50 and p95 in milliseconds (wall clock), the median
CPU time of this process per render (Django's side, without PostgreSQL's: on a loaded
machine the wall clock also counts the wait for a core) and the number of SQL queries
of one render; with `--json` the last line is
`{"p95_ms": <slowest page's p95>, "slowest": "<page>", "pages": {...}, ...}`. Lists
are measured on their first page, on a deep page and filtered. The machine is shared:
the load average is printed with the figures, which move with it.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/net247_bench_pages"
TARGET_MS = 300.0
CASES = 10_000
INBOUND = 50_000
ALERTS = 20_000
TAKEDOWNS = 1_000
AUDIT = 100_000
BATCH = 2_000
OTHERS = ["KG", "MD", "TJ", "UZ"]  # the node is KZ (NODE_COUNTRY's default)
TITLES = [
    "Recruitment of webcam models",
    "Phishing of bank customers",
    "Sale of forged documents",
    "Online fraud with investment offers",
    "Trafficking for forced labour",
    "Distribution of illegal content",
]


def _ensure_database(url: str, refill: bool) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if refill:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{name}"')


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "net247.settings")
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _user(username: str, role: str, unit: str = "") -> Any:
    from accounts import services
    from accounts.models import User

    found = User.objects.filter(username=username).first()
    if found is not None:
        return found
    return services.user_create(
        username=username,
        role=role,
        password=secrets.token_urlsafe(24),
        unit=unit,
        totp_secret=base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("="),
    )


def _fill() -> None:
    """Synthetic rows, in bulk; timestamps spread over a year (SQL after the inserts,
    since auto_now_add would stamp them all now)."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from guardian.models import GroupObjectPermission

    from alerts.models import Alert, Page
    from audit import services as audit
    from cases import access
    from cases.models import (
        Case,
        InboundItem,
        InboundTakedownTarget,
        Notification,
        Takedown,
        TakedownStep,
    )

    coord = _user("bench-coord", "coordinator", "hq")
    pros = _user("bench-pros", "prosecutor", "cyber")
    for n in range(20):
        _user(f"bench-pros{n}", "prosecutor", f"unit{n % 5}")
    started = time.perf_counter()
    now = time.time()
    from django.utils import timezone

    at = timezone.now()
    urgencies = ["routine", "routine", "urgent", "immediate"]
    Case.objects.bulk_create(
        (
            Case(
                reference=f"KZ-{2026 - i % 3}-{i:05d}",
                title=f"{TITLES[i % len(TITLES)]} #{i}",
                summary="Synthetic case for the pages benchmark. " * 5,
                offence_country="KZ",
                offence_article="309",
                facts=["online", "adult_victim"],
                urgency=urgencies[i % 4],
                status="closed" if i % 7 == 0 else "open",
                unit="cyber" if i % 10 == 0 else "hq",
                created_by=coord,
            )
            for i in range(1, CASES + 1)
        ),
        batch_size=BATCH,
    )
    cases = list(Case.objects.order_by("id").values_list("id", flat=True))
    Notification.objects.bulk_create(
        (
            Notification(
                case_id=pk,
                country=country,
                handling="H0",
                envelope_id=str(uuid.uuid4()),
                sent_by=coord,
            )
            for n, pk in enumerate(cases)
            if n % 3 == 0
            for country in OTHERS[: 1 + n % 2]
        ),
        batch_size=BATCH,
    )
    kinds = ["notification", "request", "response", "takedown"]
    statuses = ["new", "assigned", "in_progress", "answered", "closed"]
    InboundItem.objects.bulk_create(
        (
            InboundItem(
                kind=kinds[i % 4],
                origin=OTHERS[i % 4],
                key_id=f"{OTHERS[i % 4]}-2026-1",
                envelope_id=str(uuid.uuid4()),
                thread=str(uuid.uuid4()),
                handling="H0",
                ref=f"{OTHERS[i % 4]}-2026-{i:05d}",
                title=f"{TITLES[i % len(TITLES)]} #{i}",
                text="Synthetic item for the pages benchmark. " * 5,
                body={"case_ref": f"{OTHERS[i % 4]}-2026-{i:05d}", "summary": "synthetic"},
                urgency=urgencies[i % 4],
                received_at=at - timedelta(minutes=i * 10),
                status=statuses[i % 5],
                unit="cyber" if i % 10 == 0 else "",
            )
            for i in range(1, INBOUND + 1)
        ),
        batch_size=BATCH,
    )
    items = list(InboundItem.objects.order_by("id").values_list("id", "kind"))
    InboundTakedownTarget.objects.bulk_create(
        (
            InboundTakedownTarget(item_id=pk, target=f"site{pk}.example", status="received")
            for pk, kind in items
            if kind == "takedown"
        ),
        batch_size=BATCH,
    )
    group = access.unit_group("cyber")
    grants = []
    for model, perm, pks in (
        (Case, "view_case", cases[::10]),
        (InboundItem, "view_inbounditem", [pk for pk, _ in items][::10]),
    ):
        ct = ContentType.objects.get_for_model(model)
        permission = Permission.objects.get(content_type=ct, codename=perm)
        grants += [
            GroupObjectPermission(
                group=group, permission=permission, content_type=ct, object_pk=str(pk)
            )
            for pk in pks
        ]
    GroupObjectPermission.objects.bulk_create(grants, batch_size=BATCH)
    alert_kinds = ["inbound_notification", "inbound_request", "inbound_takedown", "indicator_hit"]
    states = ["resolved", "resolved", "acknowledged", "triggered"]
    Alert.objects.bulk_create(
        (
            Alert(
                kind=alert_kinds[i % 4],
                title=f"{TITLES[i % len(TITLES)]} #{i}",
                summary="Synthetic alert.",
                urgency=urgencies[i % 4],
                state=states[i % 4],
                object_type="cases.inbounditem",
                object_id=str(items[i % len(items)][0]),
                origin=OTHERS[i % 4],
                resolution_note="handled" if states[i % 4] == "resolved" else "",
                resolved_by=coord if states[i % 4] == "resolved" else None,
                acknowledged_by=pros if states[i % 4] != "triggered" else None,
            )
            for i in range(1, ALERTS + 1)
        ),
        batch_size=BATCH,
    )
    alerts = list(Alert.objects.order_by("id").values_list("id", flat=True))
    Page.objects.bulk_create(
        (Page(alert_id=pk, step=0, repeat=0, user=pros) for pk in alerts[::10]),
        batch_size=BATCH,
    )
    Takedown.objects.bulk_create(
        (
            Takedown(
                request_ref=f"KZ-TD-2026-{i:04d}",
                targets=[{"domain": f"td{i}.example"}, {"url": f"https://td{i}.example/a"}],
                legal_country="KZ",
                legal_code="CC",
                legal_article="309",
                requested_action="block",
                urgency=urgencies[i % 4],
                destinations=OTHERS[: 2 + i % 3],
                envelope_id=str(uuid.uuid4()),
                case_id=cases[i % len(cases)],
                created_by=coord,
            )
            for i in range(1, TAKEDOWNS + 1)
        ),
        batch_size=BATCH,
    )
    steps = ["received", "under_review", "blocked"]
    TakedownStep.objects.bulk_create(
        (
            TakedownStep(
                takedown_id=pk,
                target=f"td{n + 1}.example",
                country="KG",
                status=status,
                at=at - timedelta(hours=(TAKEDOWNS - n) * 3 - s),
                envelope_id=str(uuid.uuid4()),
            )
            for n, pk in enumerate(Takedown.objects.order_by("id").values_list("id", flat=True))
            for s, status in enumerate(steps)
        ),
        batch_size=BATCH,
    )
    with connection.cursor() as cursor:
        # Spread over a year, newest last (ids follow time, as in real use).
        for table, column in (
            ("cases_case", "created_at"),
            ("alerts_alert", "created_at"),
            ("cases_takedown", "created_at"),
        ):
            cursor.execute(
                f"UPDATE {table} SET {column} = now() - (max_id.m - id) * interval '17 minutes' "  # noqa: S608
                f"FROM (SELECT max(id) AS m FROM {table}) AS max_id"
            )
    actions = ["case.read", "case.list", "inbound.read", "auth.login", "exchange.received"]
    for start in range(0, AUDIT, 1000):
        with transaction.atomic(), audit.deferred():
            for i in range(start, start + 1000):
                audit.record(
                    action=actions[i % 5],
                    actor=pros if i % 2 else coord,
                    object_type="cases.case",
                    object_id=str(cases[i % len(cases)]),
                    details={"bench": i},
                )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"filled in {time.perf_counter() - started:.0f} s (wall {time.time() - now:.0f} s)")


def _client(user: Any) -> Any:
    """A client whose session passed password and TOTP (as tests.accounts.helpers does)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id if device else ""
    session["session_generation"] = user.session_generation
    session.save()
    return client


def _pages() -> list[tuple[str, str, str, dict[str, str]]]:
    """(name, username, path, headers) of every page, as the role that sees it."""
    from alerts.models import Alert
    from cases.models import Case, InboundItem, Takedown

    case = Case.objects.filter(notifications__isnull=False).order_by("-id").first()
    item = InboundItem.objects.order_by("-received_at", "-id").first()
    takedown = Takedown.objects.order_by("-id").first()
    alert = Alert.objects.order_by("-id").first()
    assert case and item and takedown and alert, "empty database"
    day = (item.received_at - timedelta(days=30)).date().isoformat()
    htmx = {"HTTP_HX_REQUEST": "true"}
    c, p, a = "bench-coord", "bench-pros", "bench-aud"
    return [
        ("home (coordinator)", c, "/", {}),
        ("cases", c, "/cases/", {}),
        ("cases page 150", c, "/cases/?page=150", {}),
        ("cases filtered", c, "/cases/?status=open&urgency=urgent&q=phishing", {}),
        ("cases htmx", c, "/cases/?status=open&page=3", htmx),
        ("cases (prosecutor)", p, "/cases/", {}),
        ("case form", c, "/cases/new/", {}),
        ("case", c, f"/cases/{case.pk}/", {}),
        ("inbound", c, "/cases/inbound/", {}),
        ("inbound page 900", c, "/cases/inbound/?page=900", {}),
        ("inbound filtered", c, f"/cases/inbound/?origin=MD&kind=request&since={day}&q=fraud", {}),
        ("inbound (prosecutor)", p, "/cases/inbound/", {}),
        ("inbound (auditor)", a, "/cases/inbound/?origin=UZ", {}),
        ("inbound item", c, f"/cases/inbound/{item.pk}/", {}),
        ("thread", c, f"/cases/threads/{item.thread}/", {}),
        ("takedowns", c, "/cases/takedowns/", {}),
        ("takedown", c, f"/cases/takedowns/{takedown.pk}/", {}),
        ("takedown statistics", c, "/cases/takedowns/statistics/", {}),
        ("duty desk (coordinator)", c, "/alerts/", {}),
        ("duty desk (prosecutor)", p, "/alerts/", {}),
        ("alert", c, f"/alerts/{alert.pk}/", {}),
        ("alert history", c, "/alerts/history/", {}),
        ("alert history page 300", c, "/alerts/history/?page=300", {}),
        ("alert history filtered", c, "/alerts/history/?state=resolved&kind=inbound_request", {}),
        ("alert history (prosecutor)", p, "/alerts/history/", {}),
        ("rota", c, "/alerts/rota/", {}),
        ("policies", c, "/alerts/policies/", {}),
        ("legal map", p, "/legal-map/", {}),
        ("audit log", a, "/audit/", {}),
        ("audit log filtered", a, "/audit/?action=case&page=40", {}),
        ("account", p, "/accounts/", {}),
        ("api cases", c, "/api/v1/cases/?status=open&offset=5000", {}),
        ("api inbound", c, "/api/v1/inbound/?origin=MD&kind=takedown", {}),
        ("api alerts", c, "/api/v1/alerts/?state=triggered", {}),
    ]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed renders per page")
    parser.add_argument("--json", action="store_true", help="last line: JSON figures")
    parser.add_argument("--refill", action="store_true", help="drop and fill the database")
    parser.add_argument("--only", default="", help="pages whose name contains this")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    _ensure_database(url, args.refill)
    _setup(url)

    from django.db import connection

    from accounts.models import User
    from cases.models import Case, InboundItem

    if Case.objects.count() < CASES:
        _fill()
    _user("bench-aud", "auditor")
    users = {u.username: u for u in User.objects.filter(username__startswith="bench-")}
    clients = {name: _client(u) for name, u in users.items()}
    counts = f"{Case.objects.count()} cases, {InboundItem.objects.count()} received items"
    print(f"{counts}; {args.runs} renders per page after 2 warm-ups; target p95 <= {TARGET_MS} ms")
    print(f"{'page':30} {'p50 ms':>8} {'p95 ms':>8} {'cpu ms':>8} {'queries':>8}")
    figures: dict[str, dict[str, float]] = {}
    for name, username, path, headers in _pages():
        if args.only and args.only not in name:
            continue
        client = clients[username]
        for _ in range(2):
            response = client.get(path, **headers)
            assert response.status_code == 200, (name, response.status_code)
        queries: list[str] = []

        def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            queries.append(sql)  # noqa: B023 (used at once, inside this loop's turn)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(path, **headers)
        times, cpu = [], []
        for _ in range(args.runs):
            began, began_cpu = time.perf_counter(), time.process_time()
            response = client.get(path, **headers)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            times.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
        p50, p95 = statistics.median(times), _percentile(times, 0.95)
        figures[name] = {
            "p50_ms": round(p50, 1),
            "p95_ms": round(p95, 1),
            "cpu_p50_ms": round(statistics.median(cpu), 1),
            "queries": len(queries),
        }
        flag = "" if p95 <= TARGET_MS else "  over target"
        print(f"{name:30} {p50:8.1f} {p95:8.1f} {statistics.median(cpu):8.1f} "
              f"{len(queries):8}{flag}")  # fmt: skip
    slowest = max(figures, key=lambda n: figures[n]["p95_ms"])
    load = os.getloadavg()
    print(f"slowest: {slowest} p95 {figures[slowest]['p95_ms']} ms; load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")  # fmt: skip
    if args.json:
        print(
            json.dumps(
                {
                    "p95_ms": figures[slowest]["p95_ms"],
                    "slowest": slowest,
                    "pages": figures,
                    "target_ms": TARGET_MS,
                    "data": counts,
                    "load_average": [round(x, 2) for x in load],
                }
            )
        )


if __name__ == "__main__":
    main()
