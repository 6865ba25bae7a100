"""A detached Ed25519 signature over a feed response's exact bytes, with the node key.

Header: `Signature: keyid=<key id>,alg=ed25519,sig=<base64url of the 64 bytes>`. A
registry verifies it with the public key `node show --json` prints for that key id.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature

from node import crypto, keystore

HEADER = "Signature"


def signature_header(body: bytes) -> str:
    key = keystore.current_signing_key()
    sig = key.private_key.sign(body)
    return f"keyid={key.key_id},alg=ed25519,sig={crypto.b64url_encode(sig)}"


def parse_header(value: str) -> dict[str, str]:
    fields = {}
    for part in value.split(","):
        name, _, text = part.strip().partition("=")
        fields[name] = text
    return fields


def verify(body: bytes, header: str, public_key_b64: str) -> bool:
    """True when `header` signs exactly `body` with that public key."""
    fields = parse_header(header)
    try:
        raw = crypto.b64url_decode(fields.get("sig", ""))
        crypto.public_key_from_text(public_key_b64).verify(raw, body)
    except (ValueError, InvalidSignature):
        return False
    return fields.get("alg") == "ed25519"
