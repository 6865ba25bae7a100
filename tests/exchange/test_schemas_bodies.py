"""Every body type of the contract (exchange.schemas), in process: one valid body is
accepted as it is, one invalid body gets exactly the problem its schema names."""

from __future__ import annotations

from typing import Any

import pytest

from exchange import schemas

REF = "0193a5e8-7c1d-7b2e-9f00-3d2c1b0a9e8f"
AT = "2026-11-28T15:04:05Z"
OFFENCE = {"country": "MD", "code": "CC", "article": "220/1", "part": "1"}

# type: (a valid body, a change that makes it invalid, the one problem expected)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any], str]] = {
    "case.notification": (
        {
            "case_ref": "MD-2026-0042",
            "title": "Recruitment of web models",
            "summary": "Adverts in Telegram",
            "offence": OFFENCE,
            "facts": ["adult_victim", "online"],
            "indicators": [{"kind": "phone", "value": "+37369123456"}],
            "urgency": "urgent",
            "contact": {"name": "A. B.", "email": "a.b@example.org"},
            "language": "ru",
        },
        {"indicators": [{"kind": "fax", "value": "+37369123456"}]},
        "indicators[0].kind: one of " + ", ".join(schemas.INDICATOR_KINDS),
    ),
    "case.update": (
        {"case_ref": "MD-2026-0042", "changes": {"title": "New title"}, "note": "renamed"},
        {"changes": "New title"},
        "changes: an object",
    ),
    "case.request": (
        {
            "case_ref": "MD-2026-0042",
            "kind": "preservation",
            "text": "Keep the logs",
            "due_by": "2026-12-01T00:00:00Z",
        },
        {"due_by": "2026-11-01T00:00:00Z"},  # before the envelope's created_at (AT)
        "due_by: before the message's created_at",
    ),
    "case.response": (
        {
            "case_ref": "MD-2026-0042",
            "text": "Logs attached",
            "status": "partial",
            "indicators": [{"kind": "domain", "value": "example.org"}],
        },
        {"status": "maybe"},
        "status: one of answered, partial, refused",
    ),
    "takedown.request": (
        {
            "request_ref": "MD-TD-2026-0007",
            "targets": [{"url": "https://example.org/ad/1"}, {"domain": "example.net"}],
            "legal_basis": OFFENCE,
            "requested_action": "block",
            "evidence": [{"sha256": "ab" * 32, "captured_at": AT, "kind": "screenshot"}],
            "urgency": "routine",
        },
        {"targets": [{"url": "https://example.org/ad/1", "domain": "example.org"}]},
        "targets[0]: exactly one of url, domain",
    ),
    "takedown.status": (
        {
            "request_ref": "MD-TD-2026-0007",
            "target": "https://example.org/ad/1",
            "status": "order_issued",
            "at": AT,
        },
        {"status": "done"},
        "status: one of " + ", ".join(schemas.TAKEDOWN_STATUSES),
    ),
    "alert.ack": (
        {"ref": REF, "at": AT, "by": {"role": "prosecutor", "name": "A. B."}},
        {"ref": "MD-2026-0042"},
        "ref: an envelope id (UUID)",
    ),
    "node.keys": (
        {
            "keys": [
                {
                    "id": "MD:2026-01",
                    "public_key": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                    "valid_from": AT,
                    "valid_until": None,
                }
            ]
        },
        {
            "keys": [
                {
                    "id": "MD:2026-01",
                    "public_key": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                    "valid_from": AT,
                }
            ]
        },
        "keys[0].valid_until: required (null for open)",
    ),
    "receipt": (
        {"ref": REF, "digest": "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU", "received_at": AT},
        {"received_at": "2026-11-28 15:04:05"},
        "received_at: YYYY-MM-DDTHH:MM:SSZ",
    ),
    "audit.checkpoint": (
        {
            "size": 7,
            "root_hash": "ab" * 32,
            "at": AT,
            "consistency": {"from_size": 5, "from_root": "cd" * 32, "proof": ["ef" * 32]},
        },
        {"consistency": {"from_size": 5, "from_root": "cd" * 32, "proof": ["EF" * 32]}},
        "consistency.proof[0]: 64 lowercase hex digits (SHA-256)",
    ),
    "audit.witnessed": (
        {
            "origin": "KZ",
            "head": {
                "size": 7,
                "root_hash": "ab" * 32,
                "at": AT,
                "witnessed_at": AT,
                "checkpoint": REF,
            },
        },
        {
            "head": {
                "size": -1,
                "root_hash": "ab" * 32,
                "at": AT,
                "witnessed_at": AT,
                "checkpoint": REF,
            }
        },
        "head.size: a tree size (an integer, 0 or more)",
    ),
    # Private match (issue 22)
    "match.query": (
        {"case_ref": "MD-2026-0042", "request": "CAESIQ", "count": 1},
        {"count": 1.5},
        "count: an integer, at least 1",
    ),
    "match.answer": (
        {"response": "CAESIQ", "setups": ["CAES"], "setup_version": 3, "base": "CAES"},
        {"setups": ["CAES=="]},
        "setups[0]: unpadded base64url",
    ),
}


def test_every_body_type_has_a_case() -> None:
    assert set(CASES) == set(schemas.BODY_CHECKS)


@pytest.mark.parametrize("message_type", sorted(CASES))
def test_a_valid_body_has_no_problems(message_type: str) -> None:
    body, _change, _problem = CASES[message_type]
    assert schemas.body_problems(message_type, body, "H0", AT) == []


@pytest.mark.parametrize("message_type", sorted(CASES))
def test_an_invalid_body_gets_its_problem(message_type: str) -> None:
    body, change, problem = CASES[message_type]
    assert schemas.body_problems(message_type, {**body, **change}, "H0", AT) == [problem]


def test_the_models_choices_carry_the_contract_s_values() -> None:
    """Models keep their values as choices (with words for the forms and the migrations);
    each is the contract's vocabulary, which exchange.schemas owns."""
    from alerts.models import Urgency as AlertUrgency
    from cases.models import Handling, Urgency

    assert set(Urgency.values) == set(AlertUrgency.values) == set(schemas.URGENCY)
    assert tuple(Handling.values) == schemas.HANDLING
