"""Witnessing peers' audit logs: this node co-signs a peer's `audit.checkpoint` only when
it extends the last head of that peer's log this node co-signed.

Why: a hash chain and a Merkle root prove nothing against the administrator who holds
the database: they can rewrite entries and re-hash everything. Once another country has
co-signed a head (its receipt), a rewrite shows: the rewritten log no longer extends
that head, and the witness refuses the next checkpoint (RFC 9162 consistency proof).

The check (`check`, run by the handler in the inbox's transaction, before the receipt,
with the origin's peer row locked so that two checkpoints of one origin are judged one
after the other):

    nothing witnessed yet for the origin    -> accept (trust on first use)
    size < witnessed size                   -> refuse: a rollback
    size = witnessed size, other root       -> refuse: a fork
    same size and root                      -> accept (nothing new)
    no `consistency`, or one from another head than the one witnessed
                                            -> refuse: no proof from what we witnessed
    RFC 9162 proof does not verify          -> refuse: not an append-only extension
    otherwise                               -> accept, store the new head

A refusal is `422 invalid_body` with the reason, audited (`exchange.refused`, naming both
heads) and told to alerts (`signals.message_refused`). Only sizes, hashes and proofs
travel: no entry of anyone's log leaves its node.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from audit import merkle
from exchange import handlers, ids, schemas, signing
from exchange.handlers import Received
from exchange.models import Peer, WitnessedHead
from net247 import db
from node import keystore


def latest(origin: str) -> WitnessedHead | None:
    """The last (largest) head of `origin`'s log this node co-signed."""
    return WitnessedHead.objects.filter(origin=origin).order_by("-size").first()


def _head(size: int, root_hash: str) -> dict[str, Any]:
    return {"size": size, "root_hash": root_hash}


def problem(last: WitnessedHead | None, body: schemas.AuditCheckpoint) -> str:
    """Why the checkpoint does not extend `last` ("" when it does)."""
    if last is None:
        return ""
    size, root = body["size"], body["root_hash"]
    witnessed = f"size {last.size}, root {last.root_hash}"
    if size < last.size:
        return f"rollback: size {size} is smaller than the head witnessed here ({witnessed})"
    if size == last.size:
        if root == last.root_hash:
            return ""
        return f"fork: root {root} at size {size} is not the head witnessed here ({witnessed})"
    consistency = body.get("consistency")
    if consistency is None:
        return f"no consistency proof from the head witnessed here ({witnessed})"
    if consistency["from_size"] != last.size or consistency["from_root"] != last.root_hash:
        return (
            f"the consistency proof starts at size {consistency['from_size']}, root "
            f"{consistency['from_root']}, not at the head witnessed here ({witnessed})"
        )
    proof = [bytes.fromhex(h) for h in consistency["proof"]]
    if not merkle.verify_consistency(
        last.size, size, bytes.fromhex(last.root_hash), bytes.fromhex(root), proof
    ):
        return (
            f"the consistency proof does not verify: the log of size {size}, root {root} "
            f"does not extend the head witnessed here ({witnessed})"
        )
    return ""


def on_checkpoint(message: Received[schemas.AuditCheckpoint]) -> None:
    """Handler (before the receipt): witness the checkpoint or refuse it (Refused)."""
    body = message.body
    # Serialises the checkpoints of one origin (FOR NO KEY UPDATE, as keyring does).
    Peer.objects.select_for_update(no_key=True).filter(country=message.origin).first()
    last = latest(message.origin)
    why = problem(last, body)
    if why:
        raise handlers.Refused(
            "invalid_body",
            f"audit checkpoint of {message.origin} refused: {why}",
            details={
                "origin": message.origin,
                "witnessed": _head(last.size, last.root_hash) if last else None,
                "claimed": _head(body["size"], body["root_hash"]),
            },
        )
    if last is not None and last.size == body["size"]:
        return  # the same head again, in a new envelope: witnessed already
    db.insert(
        WitnessedHead(
            origin=message.origin,
            size=body["size"],
            root_hash=body["root_hash"],
            checkpoint_at=schemas.parse_time(body["at"]),
            witnessed_at=message.received_at,
            envelope_id=message.envelope_id,
        ),
        conflict=("origin", "size"),
    )


def witnessed_document(origin: str) -> dict[str, Any]:
    """The signed `audit.witnessed` envelope for GET /federation/v1/audit/witnessed/{origin}:
    the last head of `origin`'s log this node co-signed (head null when none), `to` =
    [origin]. The origin verifies it with this node's key: deleting its own receipts then
    hides nothing."""
    last = latest(origin)
    head: schemas.WitnessedHead | None = None
    if last is not None:
        head = {
            "size": last.size,
            "root_hash": last.root_hash,
            "at": schemas.format_time(last.checkpoint_at),
            "witnessed_at": schemas.format_time(last.witnessed_at),
            "checkpoint": last.envelope_id,
        }
    now = schemas.format_time(timezone.now())
    envelope = schemas.unsigned_envelope(
        envelope_id=ids.uuid7(),
        type=schemas.AUDIT_WITNESSED.name,
        origin=settings.NODE_COUNTRY,
        to=[origin],
        created_at=now,
        body={"origin": origin, "head": head},
    )
    key = keystore.current_signing_key()
    return signing.sign(envelope, key_id=key.key_id, private_key=key.private_key)
