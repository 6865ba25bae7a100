"""The test vector of docs/protocol.md, "Witnessed audit checkpoints": a fixed key and a
fixed 7-entry log give these exact roots, consistency proof, digest and signature."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from audit import merkle
from exchange import canonical, schemas, signing
from node import crypto

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
SEED = bytes(range(32))
ROOT_3 = "cce0098e73bb0ba1ba388e1a3c5f44a3cafb2059de19a00fea110a01fc1b4c02"
ROOT_7 = "53a6566eabb06ea5a988b95af7611fddfad7cb82caa5cf068423e87dde13358c"
PROOF = [
    "24665e3a9be096bd4b2d43cdc2dbfeeee189a43ef69bb6fc9ca893e0162b97b9",
    "4c1d46fd317d5053ab2c884744baa029980d86033be8492251383f7da1f0de5c",
    "0323b66e3e7a4dc4b1146c075f436a54d8a85460c1233fbd2760157539c15830",
    "3c343d89b9fed910888f71b7625a1bf7f46080375c3ced67cf920c1ba72e7105",
]
INPUT_SHA256 = "06383fdb6790d018e3d3b8321adbce710e3a2b6f604fecdddbe88ff786889b62"
DIGEST = "Bjg_22eQ0Bjj07gyGtvOcQ46K29gT-zd2-iP94aIm2I"
SIGNATURE = "ptNuSXQAP5NGEHLo8nsVf8WC7tajms7dwccbLhFXcdJGO252A7PoBYgsA1nJbLZj4zanM7qttZ36Y7KeYut7AA"
ID = "0193a5e8-7c1d-7b2e-9f00-3d2c1b0a9e90"


def test_the_documented_checkpoint_vector_is_reproduced() -> None:
    entries = [hashlib.sha256(f"entry {i}".encode()).digest() for i in range(1, 8)]
    leaves = [merkle.leaf_hash(e) for e in entries]
    assert merkle.root(leaves, 3).hex() == ROOT_3 and merkle.root(leaves, 7).hex() == ROOT_7
    proof = merkle.consistency_proof(leaves, 3, 7)
    assert [h.hex() for h in proof] == PROOF
    assert merkle.verify_consistency(3, 7, bytes.fromhex(ROOT_3), bytes.fromhex(ROOT_7), proof)
    envelope = schemas.unsigned_envelope(
        envelope_id=ID,
        type="audit.checkpoint",
        origin="KZ",
        to=["KG"],
        created_at="2026-12-07T10:00:00Z",
        body={
            "size": 7,
            "root_hash": ROOT_7,
            "at": "2026-12-07T10:00:00Z",
            "consistency": {"from_size": 3, "from_root": ROOT_3, "proof": PROOF},
        },
    )
    assert schemas.body_problems("audit.checkpoint", envelope["body"]) == []
    signing_input = canonical.dumps(envelope)
    assert (len(signing_input), hashlib.sha256(signing_input).hexdigest()) == (734, INPUT_SHA256)
    key = crypto.private_key_from_seed(SEED)
    signed = signing.sign(envelope, key_id="KZ:test-1", private_key=key)
    assert signing.digest(signed) == DIGEST
    assert signed["signature"]["value"] == SIGNATURE
    assert signing.verify(signed, key.public_key())
    # The page shows exactly these values, and the canonical form byte for byte.
    doc = DOC.read_text(encoding="utf-8")
    section = doc.split("### Test vector (reproduced by `tests/exchange/test_witness_vector.py`)")[
        1
    ]
    for value in (ROOT_3, ROOT_7, *PROOF, INPUT_SHA256, DIGEST, SIGNATURE):
        assert value in section
    shown = re.search(r"```\n(\{.*?\})\n```", section, re.S)
    assert shown is not None and shown.group(1).encode() == signing_input
