"""Append rate of the audit log on PostgreSQL, beside plain INSERTs of the same width.

    .venv/bin/python bench/audit_append.py [--entries 3000] [--writers 8]

DATABASE_URL picks the database (default postgres://postgres@127.0.0.1:5432/net247_bench,
created if missing and migrated). Each `record` runs in its own transaction, like each
plain INSERT runs in its own (autocommit); the plain table is a LIKE ... INCLUDING ALL
copy of the audit table (same columns and indexes, no trigger, no chain, no lock).
Target (issue 2): record with one writer at least half the plain single-writer rate.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/net247_bench"
PLAIN = "bench_plain_entry"


def _ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{name}"')


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "net247.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {PLAIN}")
        cursor.execute(f"CREATE TABLE {PLAIN} (LIKE audit_auditentry INCLUDING ALL)")


def _run(writers: int, per_writer: int, work: Callable[[int, int], None]) -> float:
    """Seconds for `writers` threads (one connection each) doing `per_writer` items."""
    from django.db import connections

    start = threading.Barrier(writers + 1)
    errors: list[BaseException] = []

    def body(w: int) -> None:
        try:
            work(w, 0)  # connect and warm up outside the timing
            start.wait()
            for i in range(1, per_writer + 1):
                work(w, i)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=body, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=3000, help="entries per run")
    parser.add_argument("--writers", type=int, default=8)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    _ensure_database(url)
    _setup(url)

    from django.db import connection
    from django.utils import timezone

    from audit import services
    from audit.verify import verify

    details = {"case": "KZ-2026-000123", "fields": ["title", "summary"], "n": 3}
    detail_json = '{"case": "KZ-2026-000123", "fields": ["title", "summary"], "n": 3}'
    seq_lock = threading.Lock()
    next_seq = [0]

    def plain(w: int, i: int) -> None:
        with seq_lock:
            next_seq[0] += 1
            seq = next_seq[0]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {PLAIN} (seq, at, actor, actor_kind, role, action, object_type,"  # noqa: S608
                " object_id, outcome, client_ip, request_id, details, prev_hash, entry_hash)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s)",
                [seq, timezone.now(), f"user{w}", "user", "prosecutor", "case.read", "case",
                 str(i), "success", "10.0.0.1", secrets.token_hex(16), detail_json,
                 secrets.token_hex(32), secrets.token_hex(32)],
            )  # fmt: skip

    def audited(w: int, i: int) -> None:
        services.record(
            action="case.read",
            peer="",
            object_type="case",
            object_id=i,
            details=details,
            client_ip="10.0.0.1",
        )

    results: dict[tuple[str, int], float] = {}
    for writers in (1, args.writers):
        per = max(1, args.entries // writers)
        for name, work in (("plain INSERT", plain), ("audit record", audited)):
            seconds = _run(writers, per, work)
            results[(name, writers)] = per * writers / seconds
            print(f"{name:13} {writers:2} writer(s): {per * writers:6} in {seconds:6.2f} s "
                  f"= {results[(name, writers)]:8.0f} entries/s")  # fmt: skip

    plain1, rec1 = results[("plain INSERT", 1)], results[("audit record", 1)]
    plainn, recn = results[("plain INSERT", args.writers)], results[("audit record", args.writers)]
    check = verify()
    print()
    print(f"record / plain, 1 writer:        {rec1 / plain1:5.2f}  (target >= 0.50)")
    print(f"record / plain, {args.writers} writers:       {recn / plainn:5.2f}")
    print(f"record {args.writers} writers / plain 1 writer: {recn / plain1:5.2f}")
    print(f"chain after the run: ok={check.ok} entries={check.verified} root={check.root_hash}")
    print(f"database: {connection.settings_dict['NAME']} (PostgreSQL "
          f"{connection.cursor().connection.info.server_version})")  # fmt: skip


if __name__ == "__main__":
    main()
