"""Known-answer test of the contract's Appendix A, and the strict canonical parser."""

import hashlib

import pytest

from exchange import canonical, signing
from node import crypto

SEED = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
ENVELOPE = {
    "v": 1,
    "id": "0193a5e8-7c1d-7b2e-9f00-3d2c1b0a9e8f",
    "type": "case.notification",
    "origin": "MD",
    "to": ["KZ", "KG"],
    "created_at": "2026-11-28T15:04:05Z",
    "thread": "0193a5e8-7c1d-7b2e-9f00-3d2c1b0a9e8f",
    "in_reply_to": None,
    "handling": "H1",
    "body": {
        "case_ref": "MD-2026-0042",
        "title": "Вербовка веб-моделей",
        "summary": 'Жертва 17 лет; объявления в Telegram.\n"Работа онлайн"',
        "offence": {"country": "MD", "code": "CC", "article": "220/1", "part": "2"},
        "facts": ["minor_victim", "online", "webcam"],
        "indicators": [
            {"kind": "phone", "value": "+37369123456"},
            {"kind": "domain", "value": "xn--80ak6aa92e.example"},
        ],
        "urgency": "urgent",
        "language": "ru",
    },
}
SIGNATURE = "u81LV-FBLWNK6-xWSrWT1NpAg3jrxfvGokmqWlqjGPHV6Qy5G_CeuQe7tAc7CFwwI0mOzzx8ZvP1saaMcxZ9Bg"


def test_appendix_a_vector():
    key = crypto.private_key_from_seed(bytes.fromhex(SEED))
    public = crypto.public_key_text(key.public_key())
    assert public == "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg"
    assert crypto.fingerprint(public) == (
        "56475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107708c"
    )
    data = signing.signing_input(ENVELOPE)
    assert len(data) == 665
    assert hashlib.sha256(data).hexdigest() == (
        "1846bd39295edca464254bb85ebffb24da9a0113a5f1e168db44dd696f439860"
    )
    assert data[:120] == (
        b'{"body":{"case_ref":"MD-2026-0042","facts":["minor_victim","online","webcam"],'
        b'"indicators":[{"kind":"phone","value":"+37'
    )
    assert signing.digest(ENVELOPE) == "GEa9OSle3KRkJUu4Xr_7JNqaAROl8eFo20TdaW9DmGA"
    signed = signing.sign(ENVELOPE, key_id="MD:test-1", private_key=key)
    assert signed["signature"] == {"alg": "ed25519", "key_id": "MD:test-1", "value": SIGNATURE}
    assert signing.verify(signed, public)
    assert canonical.loads(canonical.dumps(signed)) == signed


def test_tampered_envelope_does_not_verify():
    key = crypto.private_key_from_seed(bytes.fromhex(SEED))
    signed = signing.sign(ENVELOPE, key_id="MD:test-1", private_key=key)
    public = crypto.public_key_text(key.public_key())
    for path, value in [(("to",), ["KZ"]), (("body", "title"), "x"), (("handling",), "H0")]:
        tampered = canonical.loads(canonical.dumps(signed))
        target = tampered
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
        assert not signing.verify(tampered, public)
    other = crypto.private_key_from_seed(bytes(32))
    assert not signing.verify(signed, crypto.public_key_text(other.public_key()))


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": 1}',  # whitespace
        b'{"b":1,"a":2}',  # key order
        b'{"a":1,"a":1}',  # duplicate key
        b'{"a":1.0}',  # float
        b'{"a":1e3}',
        b'{"a":9007199254740992}',  # beyond 2**53-1
        b'{"a":[-9007199254740992]}',
        b'{"a":-0}',
        b'{"a":[{"\xc3\xa9":1}]}',  # non-ASCII key, nested
        b'{"a":"\\ud800"}',  # lone surrogate
        b'{"\xc3\xa9":1}',  # non-ASCII key
        b'{"a":"\\u00e9"}',  # escaped non-ASCII
        b'{"a":"\\/"}',
        b'{"a":NaN}',
        b"\xef\xbb\xbf{}",  # BOM
        b'{"a":"\xff"}',  # not UTF-8
        b'{"a":1}\n',
        b"",
    ],
)
def test_non_canonical_bytes_are_refused(raw):
    with pytest.raises(canonical.CanonicalError):
        canonical.loads(raw)


def test_shortcuts_for_parsed_and_fresh_envelopes_give_the_same_bytes():
    """The inbox's shortcuts (no second walk of a parsed envelope, no copy of a receipt it
    just built) sign and pin exactly what the general functions do."""
    key = crypto.private_key_from_seed(bytes(range(32)))
    envelope = {"v": 1, "id": "x", "body": {"n": [1, 2], "t": "тест"}, "to": ["KZ"]}
    signed = signing.sign(envelope, key_id="MD:1", private_key=key)
    assert signing.sign(envelope, key_id="MD:1", private_key=key, fresh=True) == signed
    parsed = canonical.loads(canonical.dumps(signed))
    assert signing.signing_input(parsed, parsed=True) == signing.signing_input(signed)


def test_canonical_bytes_round_trip():
    raw = '{"a":[1,-9007199254740991,true,null],"b":"é\\n\\"\\u0001"}'.encode()
    assert canonical.dumps(canonical.loads(raw)) == raw
