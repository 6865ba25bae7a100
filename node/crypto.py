"""Ed25519 key encoding helpers shared by the key store and the exchange (pure functions)."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


def b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url strictly; raises ValueError on anything else."""
    if not isinstance(text, str) or "=" in text:
        raise ValueError("expected unpadded base64url")
    padded = text + "=" * (-len(text) % 4)
    raw = base64.urlsafe_b64decode(padded.encode("ascii"))
    if b64url_encode(raw) != text:
        raise ValueError("non-canonical base64url")
    return raw


def public_key_raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_text(public_key: Ed25519PublicKey) -> str:
    return b64url_encode(public_key_raw(public_key))


@lru_cache(maxsize=256)
def public_key_from_text(text: str) -> Ed25519PublicKey:
    """Kept per process (a key object is immutable): the inbox verifies with a peer's key
    on every envelope."""
    raw = b64url_decode(text)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key has 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def fingerprint(public_key_b64: str) -> str:
    """Lowercase hex SHA-256 of the 32 raw bytes: what coordinators read out by telephone."""
    return hashlib.sha256(b64url_decode(public_key_b64)).hexdigest()


def private_key_from_seed(seed: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed)


def private_key_seed(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
