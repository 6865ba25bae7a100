"""Envelope signatures (contract section 2): Ed25519 over the canonical envelope sans signature.

Pure: no ORM, no settings. Callers verify before they write anything.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from exchange import canonical
from node import crypto

ALG = "ed25519"


def signing_input(envelope: dict[str, Any], *, parsed: bool = False) -> bytes:
    """Canonical JSON of the envelope with its `signature` member removed. `parsed`: the
    envelope came from canonical.loads(), which refused every value dumps() would."""
    unsigned = {k: v for k, v in envelope.items() if k != "signature"}
    return canonical.encode(unsigned) if parsed else canonical.dumps(unsigned)


def digest(envelope: dict[str, Any], signed_bytes: bytes | None = None) -> str:
    """base64url SHA-256 of the signing input: what a receipt pins. `signed_bytes`: the
    signing input, when the caller holds it already (the inbox verifies, then pins)."""
    if signed_bytes is None:
        signed_bytes = signing_input(envelope)
    return crypto.b64url_encode(hashlib.sha256(signed_bytes).digest())


def sign(
    envelope: Mapping[str, Any],
    *,
    key_id: str,
    private_key: Ed25519PrivateKey,
    fresh: bool = False,
) -> dict[str, Any]:
    """Return a copy of the envelope carrying its signature. `fresh`: the caller built the
    envelope for this signature and changes none of its values afterwards, so they need
    no deep copy (the inbox's receipts)."""
    unsigned = {k: v for k, v in envelope.items() if k != "signature"}
    signed = unsigned if fresh else copy.deepcopy(unsigned)
    value = private_key.sign(signing_input(signed))
    signed["signature"] = {"alg": ALG, "key_id": key_id, "value": crypto.b64url_encode(value)}
    return signed


def verify(
    envelope: dict[str, Any],
    public_key: Ed25519PublicKey | str,
    signed_bytes: bytes | None = None,
) -> bool:
    """True when the envelope's signature is valid for this public key. `signed_bytes`:
    the signing input, when the caller holds it already."""
    if isinstance(public_key, str):
        public_key = crypto.public_key_from_text(public_key)
    signature = envelope.get("signature")
    if not isinstance(signature, dict) or signature.get("alg") != ALG:
        return False
    try:
        raw = crypto.b64url_decode(signature.get("value"))  # type: ignore[arg-type]
        if len(raw) != 64:
            return False
        public_key.verify(raw, signed_bytes or signing_input(envelope))
    except (InvalidSignature, ValueError, canonical.CanonicalError):
        return False
    return True
