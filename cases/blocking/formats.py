"""The feed's three formats, as bytes (pure functions: no ORM, no settings).

- JSON: `{"node", "after", "cursor", "more", "entries": [...]}`; `cursor` is the last
  entry's (or `after` when there is none): the next pull's `after`.
- CSV: one header line, one line per entry, the legal basis as one text field.
- RPZ: a DNS Response Policy Zone of the current set (no removals: a name that left the
  set is absent), serial = the last cursor. Each name is blocked with its subdomains
  (`name CNAME .` and `*.name CNAME .`: NXDOMAIN). Owner names are relative, so the zone
  loads under whatever name the resolver gives it (unbound's `rpz: name:`).

An entry's JSON object and CSV line are rendered once, when it is written
(`entry_json`, `entry_csv`), and a pull joins them (`render_json`, `render_csv`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable
from typing import Any, Protocol

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


class EntryLike(Protocol):
    """What is rendered of an entry (a `FeedEntry`)."""

    cursor: int
    action: str
    target: str
    domain: str
    request_ref: str
    origin: str
    legal_basis: Any
    decided_at: dt.datetime
    decided_by: str
    status: str
    note: str


def legal_text(basis: dict[str, Any]) -> str:
    parts = [basis.get("country", ""), basis.get("code", ""), basis.get("article", "")]
    if basis.get("part"):
        parts.append(f"part {basis['part']}")
    return " ".join(str(p) for p in parts if p)


def entry_json(e: EntryLike) -> str:
    return json.dumps(
        {
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
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _csv_row(values: Iterable[Any]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(values)
    return out.getvalue()


def entry_csv(e: EntryLike) -> str:
    return _csv_row(
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


def render_json(*, node: str, after: int, cursor: int, lines: list[str], more: bool) -> bytes:
    head = json.dumps(
        {"node": node, "after": after, "cursor": cursor, "more": more},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return (head[:-1] + ',"entries":[' + ",".join(lines) + "]}").encode("utf-8")


def render_csv(lines: list[str]) -> bytes:
    return (_csv_row(CSV_FIELDS) + "".join(lines)).encode("utf-8")


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
