"""Per peer: the last checkpoint of our audit log sent to it and the last head it
co-signed (for `checkpoint status` and the auditor's page, via audit.checkpoint_status)."""

from __future__ import annotations

import json
from typing import Any

from audit.checkpoint_status import Status, Witness
from exchange import checkpoints, schemas
from exchange.models import OutboundMessage, OutboxStatus, Peer

STATES = {
    OutboxStatus.DELIVERED: "cosigned",
    OutboxStatus.QUEUED: "behind",
    OutboxStatus.FAILED: "refused",
}


def _refusal(last_error: str) -> str:
    """The witness's own words out of "HTTP 422: {"error": {...}}" (the outbox keeps the
    first 200 characters of the answer), else the error as kept."""
    status, _, answer = last_error.partition(": ")
    try:
        message = json.loads(answer)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        start = answer.find('"message":"')
        return answer[start + 11 :] if status.startswith("HTTP") and start >= 0 else last_error
    return str(message)


def _witness(peer: Peer) -> Witness:
    sent = checkpoints.last_sent(peer)
    cosigned = checkpoints.last_cosigned(peer)
    head = checkpoints.head_of(cosigned) if cosigned else None
    sent_body: dict[str, Any] = sent.message.envelope["body"] if sent else {}
    superseded = (
        checkpoints.checkpoints_to(peer).filter(status=OutboxStatus.SUPERSEDED).count()
        if sent is not None and sent.status == OutboxStatus.QUEUED
        else 0
    )
    return {
        "country": peer.country,
        "state": STATES.get(OutboxStatus(sent.status), "none") if sent else "none",
        "cosigned_size": head.size if head else None,
        "cosigned_root": head.root_hash if head else "",
        "cosigned_at": checkpoints.receipt_time(cosigned) if cosigned else None,
        "sent_size": sent_body.get("size"),
        "sent_at": sent.message.created_at if sent else None,
        "sent_status": sent.status if sent else "",
        "refusal": _refusal(sent.last_error) if sent and sent.status == OutboxStatus.FAILED else "",
        "superseded": superseded,
    }


def peers() -> list[Witness]:
    return [_witness(p) for p in Peer.objects.filter(active=True).order_by("country")]


def status() -> Status:
    latest = (
        OutboundMessage.objects.filter(type=checkpoints.TYPE).order_by("-created_at", "-id").first()
    )
    body: dict[str, Any] = latest.envelope["body"] if latest else {}
    return {
        "size": body.get("size"),
        "root_hash": str(body.get("root_hash", "")),
        "at": schemas.parse_time(body["at"]) if "at" in body else None,
        "witnesses": peers(),
    }
