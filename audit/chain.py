"""Pure hashing of audit entries (no ORM): what `record` writes and `verify` recomputes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64


def canonical(fields: dict[str, Any]) -> str:
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def entry_digest(prev_hash: str, fields: dict[str, Any]) -> str:
    """SHA-256 hex of the previous entry's hash, a newline and the entry's canonical JSON."""
    return hashlib.sha256((prev_hash + "\n" + canonical(fields)).encode("utf-8")).hexdigest()


def payload_prefix(fields: dict[str, Any]) -> str:
    """The canonical JSON of an entry without its seq, left open for the seq.

    "seq" sorts after every other field name, so prefix + str(seq) + "}" is the entry's
    canonical JSON: PostgreSQL's audit_append() closes it with the seq it draws under
    the head lock and hashes it as `entry_digest` does.
    """
    if not fields or any(name >= "seq" for name in fields):
        raise ValueError("the fields must be non-empty and all sort before 'seq'")
    return canonical(fields)[:-1] + ',"seq":'


def entry_fields(entry: Any) -> dict[str, Any]:
    """The hashed content of an entry: every column except the two hashes."""
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "actor_kind": entry.actor_kind,
        "role": entry.role,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "outcome": entry.outcome,
        "client_ip": entry.client_ip,
        "request_id": entry.request_id,
        "details": entry.details,
    }
