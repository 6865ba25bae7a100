"""The feed's three formats, as bytes (pure functions: no ORM, no settings).

- JSON: `{"node", "after", "cursor", "more", "entries": [...]}`; `cursor` is the last
  entry's (or `after` when there is none): the next pull's `after`.
- CSV: one header line, one line per entry, the legal basis as one text field.
- RPZ: a DNS Response Policy Zone of the current set (no removals: a name that left the
  set is absent), serial = the last cursor. Each name is blocked with its subdomains
  (`name CNAME .` and `*.name CNAME .`: NXDOMAIN). Owner names are relative, so the zone
  loads under whatever name the resolver gives it (unbound's `rpz: name:`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from cases.blocking.feed import Entry
from exchange.schemas import format_time

CSV_FIELDS = (
    "cursor",
    "action",
    "target",
    "domain",
    "request_ref",
    "origin",
    "legal_basis",
    "decided_at",
    "decided_by",
    "status",
    "note",
)


def legal_text(basis: dict[str, Any]) -> str:
    parts = [basis.get("country", ""), basis.get("code", ""), basis.get("article", "")]
    if basis.get("part"):
        parts.append(f"part {basis['part']}")
    return " ".join(str(p) for p in parts if p)


def _entry_json(e: Entry) -> dict[str, Any]:
    return {
        "cursor": e.cursor,
        "action": e.action,
        "target": e.target,
        "domain": e.domain,
        "request_ref": e.request_ref,
        "origin": e.origin,
        "legal_basis": e.legal_basis,
        "decided_at": format_time(e.decided_at),
        "decided_by": e.decided_by,
        "status": e.status,
        "note": e.note,
    }


def render_json(*, node: str, after: int, entries: Sequence[Entry], more: bool) -> bytes:
    document = {
        "node": node,
        "after": after,
        "cursor": entries[-1].cursor if entries else after,
        "more": more,
        "entries": [_entry_json(e) for e in entries],
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def render_csv(entries: Iterable[Entry]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for e in entries:
        writer.writerow(
            (
                e.cursor,
                e.action,
                e.target,
                e.domain,
                e.request_ref,
                e.origin,
                legal_text(e.legal_basis),
                format_time(e.decided_at),
                e.decided_by,
                e.status,
                e.note,
            )
        )
    return out.getvalue().encode("utf-8")


def render_rpz(*, node: str, domains: Iterable[str], serial: int, ttl: int = 300) -> bytes:
    lines = [
        f"; net247 blocking feed of {node}: the current set, serial = last cursor",
        f"$TTL {ttl}",
        f"@ IN SOA localhost. hostmaster.localhost. {serial} 3600 600 86400 {ttl}",
        "@ IN NS localhost.",
    ]
    for name in domains:
        lines.append(f"{name} CNAME .")
        lines.append(f"*.{name} CNAME .")
    return ("\n".join(lines) + "\n").encode("ascii")
