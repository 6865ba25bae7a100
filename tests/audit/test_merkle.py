"""Known-answer tests of the RFC 9162 tree against the Certificate Transparency vectors,
then every proof of every small tree, verified and mangled."""

from __future__ import annotations

import hashlib

import pytest

from audit import merkle

DATA = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
LEAVES = [merkle.leaf_hash(d) for d in DATA]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}
CONSISTENCY = {
    (2, 8): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}


def test_leaf_and_node_prefixes():
    assert merkle.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    a, b = LEAVES[0], LEAVES[1]
    assert merkle.node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()


@pytest.mark.parametrize("size", range(9))
def test_roots_match_the_ct_vectors(size):
    assert merkle.root(LEAVES, size).hex() == ROOTS[size]
    assert merkle.root_of(LEAVES[:size]) == (size, bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize(("index", "size"), list(INCLUSION))
def test_inclusion_proofs_match_the_ct_vectors(index, size):
    proof = merkle.inclusion_proof(LEAVES, index, size)
    assert [p.hex() for p in proof] == INCLUSION[(index, size)]
    assert merkle.verify_inclusion(LEAVES[index], index, size, proof, bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize(("first", "second"), list(CONSISTENCY))
def test_consistency_proofs_match_the_ct_vectors(first, second):
    proof = merkle.consistency_proof(LEAVES, first, second)
    assert [p.hex() for p in proof] == CONSISTENCY[(first, second)]
    r1, r2 = bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second])
    assert merkle.verify_consistency(first, second, r1, r2, proof)


MANY = [merkle.leaf_hash(i.to_bytes(2, "big")) for i in range(40)]
MANY_ROOTS = [merkle.root(MANY, n) for n in range(len(MANY) + 1)]


def _mangled(proof: list[bytes]) -> list[list[bytes]]:
    """Flipped byte, dropped last, extra hash, swapped pair: none may verify."""
    out = [[*proof[:-1], bytes([proof[-1][0] ^ 1]) + proof[-1][1:]], proof[:-1]]
    out.append([*proof, b"\xab" * 32])
    if len(proof) >= 2 and proof[0] != proof[1]:
        out.append([proof[1], proof[0], *proof[2:]])
    return out


def test_every_inclusion_proof_verifies_and_no_mangled_one_does():
    for n in range(1, len(MANY) + 1):
        for i in range(n):
            proof = merkle.inclusion_proof(MANY, i, n)
            assert merkle.verify_inclusion(MANY[i], i, n, proof, MANY_ROOTS[n]), (i, n)
            assert not merkle.verify_inclusion(MANY[i], i, n, proof, MANY_ROOTS[n - 1])
            if n > 1:
                other = (i + 1) % n
                assert not merkle.verify_inclusion(MANY[other], i, n, proof, MANY_ROOTS[n])
                assert not merkle.verify_inclusion(MANY[i], other, n, proof, MANY_ROOTS[n])
                for bad in _mangled(proof):
                    assert not merkle.verify_inclusion(MANY[i], i, n, bad, MANY_ROOTS[n])
    assert not merkle.verify_inclusion(MANY[0], 5, 5, [], MANY_ROOTS[5])


def test_every_consistency_proof_verifies_and_no_mangled_one_does():
    for second in range(len(MANY) + 1):
        for first in range(second + 1):
            proof = merkle.consistency_proof(MANY, first, second)
            r1, r2 = MANY_ROOTS[first], MANY_ROOTS[second]
            assert merkle.verify_consistency(first, second, r1, r2, proof), (first, second)
            if 0 < first < second:
                assert not merkle.verify_consistency(
                    first, second, MANY_ROOTS[first - 1], r2, proof
                )
                assert not merkle.verify_consistency(
                    first, second, r1, MANY_ROOTS[second - 1], proof
                )
                for bad in _mangled(proof):
                    assert not merkle.verify_consistency(first, second, r1, r2, bad)
    assert not merkle.verify_consistency(5, 3, MANY_ROOTS[5], MANY_ROOTS[3], [])
    assert not merkle.verify_consistency(4, 4, MANY_ROOTS[4], MANY_ROOTS[5], [])


def test_a_rewritten_leaf_changes_the_root_and_breaks_consistency():
    forged = list(MANY[:20])
    forged[7] = merkle.leaf_hash(b"forged")
    proof = merkle.consistency_proof(forged, 10, 20)
    assert merkle.root(forged) != MANY_ROOTS[20]
    assert not merkle.verify_consistency(10, 20, MANY_ROOTS[10], merkle.root(forged), proof)


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError):
        merkle.inclusion_proof(LEAVES, 8, 8)
    with pytest.raises(ValueError):
        merkle.consistency_proof(LEAVES, 5, 3)
    with pytest.raises(ValueError):
        merkle.root(LEAVES, 9)
