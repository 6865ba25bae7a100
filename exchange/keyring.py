"""Whose key is this, may it sign at that time, and what keys do we publish.

Peers' keys are read from the database on every use (no cache), so that `peer add` and
a received `node.keys` take effect without a restart. A key verifies an envelope only if
it belongs to the envelope's origin, is trusted, and was valid at the envelope's
`created_at`: a key retired by rotation keeps verifying what it signed before.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import record
from exchange import schemas, selectors, signing
from exchange.models import Peer, PeerKey
from node import crypto, keystore
from node.models import NodeKey

KEYS_NAMESPACE = uuid.UUID("6f3c1f0e-3a43-4b59-9d63-2f1f8f6c2a47")


class KeyProblem(Exception):
    """An envelope's key or signature cannot be trusted; `code` is the contract's code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def valid_at(valid_from: datetime | None, valid_until: datetime | None, moment: datetime) -> bool:
    if valid_from is not None and moment < valid_from:
        return False
    return valid_until is None or moment <= valid_until


def trusted_key(origin: str, key_id: str, created_at: datetime) -> PeerKey:
    """The trusted key of `origin` named `key_id` valid at `created_at`, or KeyProblem."""
    return usable_key(origin, key_id, selectors.trusted_peer_key(origin, key_id), created_at)


def usable_key(origin: str, key_id: str, key: PeerKey | None, created_at: datetime) -> PeerKey:
    """`key` (looked up as `key_id` of `origin`) if it may sign at `created_at`."""
    if key_id.split(":", 1)[0] != origin:
        raise KeyProblem("unknown_key", f"key {key_id} does not belong to {origin}")
    if key is None:
        raise KeyProblem("unknown_key", f"key {key_id} is not a trusted key of {origin}")
    if not valid_at(key.valid_from, key.valid_until, created_at):
        raise KeyProblem("unknown_key", f"key {key_id} was not valid at the envelope's created_at")
    return key


def verify_from(origin: str, envelope: dict[str, Any]) -> PeerKey:
    """Check key and signature of an envelope claimed to come from `origin`."""
    if envelope.get("origin") != origin:
        raise KeyProblem("unknown_peer", f"envelope comes from {envelope.get('origin')}")
    created_at = schemas.parse_time(envelope["created_at"])
    key = trusted_key(origin, envelope["signature"]["key_id"], created_at)
    if not signing.verify(envelope, key.public_key):
        raise KeyProblem("bad_signature", "the signature does not verify")
    return key


def apply_node_keys(peer: Peer, envelope: dict[str, Any]) -> list[str]:
    """Learn the keys of a verified `node.keys` of `peer`; returns the key ids added.

    The caller has verified the envelope against a key already trusted for this peer;
    that is the only way a new key becomes trusted. The contract's rules ("Key trust and
    replies"): a document no later than the last one applied changes nothing (a leaked
    old key cannot back-date a new key into trust); a key is never valid before the
    document that announces it; a key id never changes its public key; a key the
    operator distrusted, or untrusted, is not trusted again by a document.
    """
    signed_at = schemas.parse_time(envelope["created_at"])
    # FOR NO KEY UPDATE: serialises two documents of this peer all the same, and does not
    # block the foreign-key checks of rows that point at the peer. FOR UPDATE did: an
    # outbox insert (message_send) holding the audit chain waited at COMMIT for this
    # peer row while this transaction waited for the chain: a deadlock, PostgreSQL
    # killed the sender (issue 18, the CI run of test_federation_load).
    locked = Peer.objects.select_for_update(no_key=True).get(pk=peer.pk)
    if locked.keys_applied_at is not None and signed_at <= locked.keys_applied_at:
        record(
            action="exchange.keys_stale",
            peer=peer.country,
            object_type="peer",
            object_id=peer.country,
            details={
                "created_at": envelope["created_at"],
                "last_applied": schemas.format_time(locked.keys_applied_at),
                "signed_by": envelope["signature"]["key_id"],
            },
        )
        return []
    added: list[str] = []
    for item in envelope["body"]["keys"]:
        key_id = item["id"]
        if key_id.split(":", 1)[0] != peer.country:
            continue  # a peer speaks only for its own keys
        try:
            crypto.public_key_from_text(item["public_key"])
        except ValueError as exc:
            raise KeyProblem("invalid_body", f"{key_id}: not an Ed25519 public key") from exc
        announced_from = schemas.parse_time(item["valid_from"])
        valid_from = max(announced_from, signed_at)  # no back-dated keys
        valid_until = schemas.parse_time(item["valid_until"]) if item["valid_until"] else None
        existing = PeerKey.objects.filter(key_id=key_id).first()
        if existing is None:
            PeerKey.objects.create(
                peer=peer,
                key_id=key_id,
                public_key=item["public_key"],
                valid_from=valid_from,
                valid_until=valid_until,
                trusted=True,
                source="node.keys",
            )
            added.append(key_id)
        elif existing.public_key != item["public_key"] or existing.peer_id != peer.pk:
            raise KeyProblem("invalid_body", f"{key_id} is already pinned with another public key")
        elif existing.valid_until != valid_until and (
            # Only ever shortened: a retired key cannot be revived by a later document.
            existing.valid_until is None or (valid_until and valid_until < existing.valid_until)
        ):
            existing.valid_until = valid_until
            existing.save(update_fields=["valid_until"])
    locked.keys_applied_at = signed_at
    locked.save(update_fields=["keys_applied_at"])
    record(
        action="exchange.keys_applied",
        peer=peer.country,
        object_type="peer",
        object_id=peer.country,
        details={
            "added": added,
            "signed_by": envelope["signature"]["key_id"],
            "created_at": envelope["created_at"],
        },
    )
    return added


def published_keys() -> list[dict[str, Any]]:
    """This node's keys as `node.keys` lists them (contract section 5)."""
    return [
        {
            "id": key.key_id,
            "public_key": key.public_key,
            "valid_from": schemas.format_time(key.valid_from),
            "valid_until": schemas.format_time(key.valid_until) if key.valid_until else None,
        }
        for key in keystore.published_keys()
    ]


def announcing_key() -> tuple[NodeKey, datetime | None]:
    """The key that signs our key document, and the time to sign it at.

    Peers trust the key we had before: after a rotation that is the previous key,
    signing as of the end of its validity (so any peer verifies it by the inbox's own
    rule, "valid at created_at"); before any rotation it is the only key (time None: now).
    """
    current = keystore.current_key()
    previous = (
        NodeKey.objects.exclude(pk=current.pk)
        .filter(valid_until__isnull=False)
        .order_by("-valid_until", "-id")
        .first()
    )
    if previous is None or previous.valid_until is None:
        return current, None
    return previous, previous.valid_until


def keys_document() -> dict[str, Any]:
    """The signed `node.keys` envelope served by GET /keys (`to` = [])."""
    current = keystore.current_key()
    signer, signed_at = announcing_key()
    if signed_at is None:
        signed_at = timezone.now()
        envelope_id = str(uuid.uuid5(KEYS_NAMESPACE, f"{current.key_id}:{signed_at.isoformat()}"))
    else:
        envelope_id = str(uuid.uuid5(KEYS_NAMESPACE, current.key_id))
    envelope = schemas.unsigned_envelope(
        envelope_id=envelope_id,
        type="node.keys",
        origin=settings.NODE_COUNTRY,
        to=[],
        created_at=schemas.format_time(signed_at),
        body={"keys": published_keys()},
    )
    return signing.sign(
        envelope, key_id=signer.key_id, private_key=keystore.load_private_key(signer.key_id)
    )


def learn_from_document(peer: Peer, envelope: dict[str, Any]) -> list[str]:
    """Verify a fetched key document of `peer` and learn its keys (refresh-keys)."""
    problems = schemas.envelope_problems(envelope)
    if problems or envelope["type"] != "node.keys":
        raise KeyProblem("malformed", "not a node.keys envelope: " + "; ".join(problems))
    body_problems = schemas.body_problems("node.keys", envelope["body"])
    if body_problems:
        raise KeyProblem("invalid_body", "; ".join(body_problems))
    verify_from(peer.country, envelope)
    with transaction.atomic():
        return apply_node_keys(peer, envelope)
