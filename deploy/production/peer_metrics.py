"""Turn `manage.py peer list --json` into Prometheus text format (node_exporter textfile).

The node has no metrics endpoint of its own; per-peer delivery health is what an operator
most needs to graph and alert on, so this small filter exposes it:

    net247-manage peer list --json |
        python3 peer_metrics.py /var/lib/node_exporter/textfile/net247.prom

The file is replaced atomically (write, then rename), as the textfile collector requires.
Times are Unix timestamps; a missing time (never failed, no receipt yet) is written as 0.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import datetime
from typing import Any

GAUGES = {
    "active": ("net247_peer_active", "1 if the peer is enrolled and active"),
    "queued": ("net247_peer_queued", "messages queued for delivery to the peer"),
    "failed": ("net247_peer_failed", "messages whose delivery to the peer failed for good"),
    "oldest_queued_age_seconds": (
        "net247_peer_oldest_queued_age_seconds",
        "age of the oldest message queued for the peer (0: none queued)",
    ),
    "backoff_level": ("net247_peer_backoff_level", "current delivery back-off step"),
}
TIMES = {
    "failing_since": ("net247_peer_failing_since_timestamp_seconds", "deliveries failing since"),
    "last_receipt_at": ("net247_peer_last_receipt_timestamp_seconds", "last verified receipt"),
    "last_heard_at": ("net247_peer_last_heard_timestamp_seconds", "last message from the peer"),
}


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    return float(value)


def _timestamp(value: str | None) -> float:
    if not value:
        return 0.0
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def render(peers: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    for key, (name, help_text) in {**GAUGES, **TIMES}.items():
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
        for peer in peers:
            raw = peer.get(key)
            value = _timestamp(raw) if key in TIMES else _number(raw)
            text = str(int(value)) if value.is_integer() else repr(value)  # never rounded
            lines.append(f'{name}{{country="{peer["country"]}"}} {text}')
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: peer list --json | peer_metrics.py OUTPUT.prom", file=sys.stderr)
        return 2
    text = render(json.load(sys.stdin))
    directory = os.path.dirname(os.path.abspath(argv[1]))
    fd, temp = tempfile.mkstemp(dir=directory, prefix=".net247-", suffix=".prom")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(temp, 0o644)
    os.replace(temp, argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
