"""Benchmark: one source offence against the four other countries, in process.

Target (issue 16): median under 2 ms against the four other countries. Run:

    .venv/bin/python bench/legal_compare.py [--runs 500]

It migrates a throw-away SQLite database (which loads the catalogue), then times
(a) the engine alone on the cached in-memory catalogue and (b) the public service
`legal_map.services.compare_all` plus the issue's JSON dict for each country, which adds
the cache-token read (one indexed query), parameter checks and serialisation. The machine
is shared: run it when it is quiet, the figures move with the load.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET_MS = 2.0
SOURCES = [
    ("MD", "220/1", "", ["minor_victim", "online"]),
    ("MD", "220/1", "", ["adult_victim"]),
    ("MD", "165", "", ["deception", "cross_border"]),
    ("KZ", "309", "", []),
    ("UZ", "135", "3", ["minor_victim", "organised_group"]),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=500)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="net247-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "net247.settings"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from legal_map import engine, selectors, services

    cat = selectors.catalogue()
    when = datetime.date(2025, 3, 1)
    print(f"catalogue: {len(cat.offences)} records; {args.runs} runs per source")
    print(f"target: median under {TARGET_MS} ms for the four other countries")
    print("service: conduct 2025-03-01, decision today (the law read at both dates where it")
    print("changed); 'one date': decided on the conduct's date; 'per country': service / 4")
    header = f"{'source':28} {'engine median':>14} {'service median':>15} {'service p95':>12}"
    print(f"{header} {'ratio':>7} {'one date':>10} {'per country':>12}")
    medians = []
    for country, article, part, facts in SOURCES:
        source = engine.find_offence(cat, country, article, part)
        targets = [c for c in selectors.COUNTRIES if c != country]
        raw, full, one = [], [], []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            for target in targets:
                engine.compare(cat, source, target, facts, when)
            raw.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            for c in services.compare_all(country, article, part, facts, "2025-03-01"):
                services.as_dict(c)
            full.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            same_day = services.compare_all(
                country, article, part, facts, "2025-03-01", decision_date="2025-03-01"
            )
            for c in same_day:
                services.as_dict(c)
            one.append((time.perf_counter() - t0) * 1000)
        full.sort()
        med = statistics.median(full)
        medians.append(med)
        label = f"{country} {article}{' p.' + part if part else ''} +{','.join(facts) or '-'}"
        print(
            f"{label[:28]:28} {statistics.median(raw):11.3f} ms {med:12.3f} ms "
            f"{full[int(len(full) * 0.95)]:9.3f} ms {med / TARGET_MS:6.2f}x "
            f"{statistics.median(one):7.3f} ms {med / len(targets):9.3f} ms"
        )
    worst = max(medians)
    verdict = "meets" if worst < TARGET_MS else "MISSES"
    ratio = worst / TARGET_MS
    print(f"worst median {worst:.3f} ms = {ratio:.2f} of the {TARGET_MS} ms target ({verdict})")


if __name__ == "__main__":
    main()
