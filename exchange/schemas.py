"""Wire schemas (contract sections 3 and 5): the envelope and every v1 body type.

Pure: no ORM, no settings. `envelope_problems` decides "malformed" (400);
`body_problems` decides "invalid_body" (422). Both return a list of human-readable
problems, empty when valid. Unknown extra members of a body are kept and ignored;
unknown top-level members make the envelope invalid.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal, NotRequired, TypedDict, TypeVar

from exchange.ids import is_uuid

# The wire time lives below exchange (node prints its keys in it); re-exported here.
from node.wiretime import format_time as format_time
from node.wiretime import parse_time as parse_time

VERSION = 1
MAX_ENVELOPE_BYTES = 1024 * 1024
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
KEY_ID_RE = re.compile(r"^[A-Z]{2}:[A-Za-z0-9._-]{1,32}$")
TYPE_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
HANDLING = ("H0", "H1", "H2", "H3")
# The inbox's refusals (section 4's table), and ours for floods: the only values /metrics
# labels a rejection with (anything else is counted as "other").
REJECTION_CODES = (
    "malformed", "too_large", "unknown_peer", "not_addressed", "unknown_key", "bad_signature",
    "clock_skew", "conflict", "unsupported", "invalid_body", "rate_limited",
)  # fmt: skip
URGENCY = ("routine", "urgent", "immediate")
REQUEST_KINDS = ("information", "preservation", "assistance")  # case.request
RESPONSE_STATUSES = ("answered", "partial", "refused")  # case.response
REQUESTED_ACTIONS = ("remove", "block")  # takedown.request
INDICATOR_KINDS = (
    "phone",
    "domain",
    "url",
    "email",
    "telegram",
    "instagram",
    "vk",
    "wallet",
    "iban",
    "image_sha256",
)
ENVELOPE_MEMBERS = frozenset(
    {"v", "id", "type", "origin", "to", "created_at", "thread", "in_reply_to", "handling"}
    | {"body", "signature"}
)


class Signature(TypedDict):
    alg: Literal["ed25519"]
    key_id: str
    value: str


class Envelope(TypedDict):
    v: int
    id: str
    type: str
    origin: str
    to: list[str]
    created_at: str
    thread: str
    in_reply_to: str | None
    handling: str
    body: dict[str, Any]
    signature: NotRequired[Signature]


class LegalRef(TypedDict):
    country: str
    code: str
    article: str
    part: NotRequired[str]


class Indicator(TypedDict):
    kind: str
    value: str


class CaseNotification(TypedDict):
    case_ref: str
    title: str
    summary: str
    offence: LegalRef
    facts: list[str]
    indicators: NotRequired[list[Indicator]]
    urgency: str
    contact: NotRequired[dict[str, str]]
    language: NotRequired[str]


class CaseUpdate(TypedDict):
    case_ref: str
    changes: dict[str, Any]
    note: NotRequired[str]


class CaseRequest(TypedDict):
    case_ref: str
    kind: str
    text: str
    due_by: NotRequired[str]


class CaseResponse(TypedDict):
    case_ref: str
    text: str
    status: NotRequired[str]
    indicators: NotRequired[list[Indicator]]


class TakedownRequest(TypedDict):
    request_ref: str
    targets: list[dict[str, str]]
    legal_basis: LegalRef
    requested_action: str
    indicators: NotRequired[list[Indicator]]
    evidence: NotRequired[list[dict[str, str]]]
    urgency: str
    # net247's own member (a mirror names the original request_ref): unknown to the
    # contract, so not checked; read it with str().
    mirror_of: NotRequired[object]


class TakedownStatus(TypedDict):
    request_ref: str
    target: str
    status: str
    at: str
    note: NotRequired[str]


class AlertAck(TypedDict):
    ref: str
    at: str
    by: NotRequired[dict[str, str]]


class PublishedKey(TypedDict):
    id: str
    public_key: str
    valid_from: str
    valid_until: str | None


class NodeKeys(TypedDict):
    keys: list[PublishedKey]


class CheckpointConsistency(TypedDict):
    from_size: int
    from_root: str
    proof: list[str]


class AuditCheckpoint(TypedDict):
    """A signed head of the origin's audit log (RFC 9162 tree over its entries' hashes):
    net247's extension of v1 (docs/protocol.md, "Witnessed audit checkpoints")."""

    size: int
    root_hash: str  # lowercase hex
    at: str
    # From the last head this witness co-signed; absent on the first (trust on first use)
    # and in an exported head.
    consistency: NotRequired[CheckpointConsistency]


class WitnessedHead(TypedDict):
    size: int
    root_hash: str
    at: str  # the checkpoint's own `at`
    witnessed_at: str  # when this node co-signed it
    checkpoint: str  # the checkpoint's envelope id


class AuditWitnessed(TypedDict):
    """GET /federation/v1/audit/witnessed/{origin}: the last head witnessed for origin."""

    origin: str
    head: WitnessedHead | None


class ReceiptBody(TypedDict):
    ref: str
    digest: str
    received_at: str


BodyT = TypeVar("BodyT")


@dataclass(frozen=True, slots=True)
class MessageType(Generic[BodyT]):
    """A message type's name on the wire, typed with its body's TypedDict."""

    name: str


CASE_NOTIFICATION: MessageType[CaseNotification] = MessageType("case.notification")
CASE_UPDATE: MessageType[CaseUpdate] = MessageType("case.update")
CASE_REQUEST: MessageType[CaseRequest] = MessageType("case.request")
CASE_RESPONSE: MessageType[CaseResponse] = MessageType("case.response")
TAKEDOWN_REQUEST: MessageType[TakedownRequest] = MessageType("takedown.request")
TAKEDOWN_STATUS: MessageType[TakedownStatus] = MessageType("takedown.status")
ALERT_ACK: MessageType[AlertAck] = MessageType("alert.ack")
NODE_KEYS: MessageType[NodeKeys] = MessageType("node.keys")
RECEIPT: MessageType[ReceiptBody] = MessageType("receipt")
AUDIT_CHECKPOINT: MessageType[AuditCheckpoint] = MessageType("audit.checkpoint")
AUDIT_WITNESSED: MessageType[AuditWitnessed] = MessageType("audit.witnessed")


def unsigned_envelope(
    *,
    envelope_id: str,
    type: str,
    origin: str,
    to: list[str],
    created_at: str,
    body: dict[str, Any],
    thread: str | None = None,
    in_reply_to: str | None = None,
    handling: str = "H0",
) -> Envelope:
    """An envelope before its signature (section 3). `created_at` is wire time
    (format_time); `thread` None starts a conversation at this envelope."""
    return {
        "v": VERSION,
        "id": envelope_id,
        "type": type,
        "origin": origin,
        "to": to,
        "created_at": created_at,
        "thread": thread or envelope_id,
        "in_reply_to": in_reply_to,
        "handling": handling,
        "body": body,
    }


def _is_time(value: object) -> bool:
    try:
        parse_time(value)  # type: ignore[arg-type]
    except ValueError:
        return False
    return True


def envelope_problems(value: object) -> list[str]:
    """Structural validity of an envelope (any type, any version number)."""
    if not isinstance(value, dict):
        return ["the envelope must be a JSON object"]
    problems = []
    missing = ENVELOPE_MEMBERS - value.keys()
    extra = value.keys() - ENVELOPE_MEMBERS
    if missing:
        problems.append(f"missing members: {', '.join(sorted(missing))}")
    if extra:
        problems.append(f"unknown members: {', '.join(sorted(extra))}")
    if problems:
        return problems
    checks: list[tuple[bool, str]] = [
        (isinstance(value["v"], int) and not isinstance(value["v"], bool), "v: an integer"),
        (is_uuid(value["id"]), "id: a UUID"),
        (isinstance(value["type"], str) and bool(TYPE_RE.match(value["type"])), "type"),
        (isinstance(value["origin"], str) and bool(COUNTRY_RE.match(value["origin"])), "origin"),
        (
            isinstance(value["to"], list)
            and all(isinstance(c, str) and COUNTRY_RE.match(c) for c in value["to"]),
            "to: a list of country codes",
        ),
        (_is_time(value["created_at"]), "created_at: YYYY-MM-DDTHH:MM:SSZ"),
        (is_uuid(value["thread"]), "thread: a UUID"),
        (value["in_reply_to"] is None or is_uuid(value["in_reply_to"]), "in_reply_to"),
        (value["handling"] in HANDLING, "handling: H0..H3"),
        (isinstance(value["body"], dict), "body: an object"),
    ]
    problems = [f"invalid {what}" for ok, what in checks if not ok]
    sig = value["signature"]
    if not isinstance(sig, dict) or set(sig) != {"alg", "key_id", "value"}:
        problems.append("signature: {alg, key_id, value}")
    elif sig["alg"] != "ed25519":
        problems.append("signature.alg: ed25519")
    elif not (isinstance(sig["key_id"], str) and KEY_ID_RE.match(sig["key_id"])):
        problems.append("signature.key_id: COUNTRY:LABEL")
    elif not (isinstance(sig["value"], str) and re.fullmatch(r"[A-Za-z0-9_-]+", sig["value"])):
        problems.append("signature.value: base64url")
    return problems


class _Body:
    """Tiny explicit validator: collects problems by member path."""

    def __init__(self, data: dict[str, Any], path: str = "") -> None:
        self.data = data
        self.path = path
        self.problems: list[str] = []

    def _name(self, key: str) -> str:
        return f"{self.path}{key}"

    def _get(self, key: str, required: bool) -> tuple[bool, Any]:
        if key not in self.data:
            if required:
                self.problems.append(f"{self._name(key)}: required")
            return False, None
        return True, self.data[key]

    def text(self, key: str, *, required: bool = True, choices: tuple[str, ...] = ()) -> None:
        present, value = self._get(key, required)
        if not present:
            return
        if not isinstance(value, str) or (required and not value.strip()):
            self.problems.append(f"{self._name(key)}: a non-empty string")
        elif choices and value not in choices:
            self.problems.append(f"{self._name(key)}: one of {', '.join(choices)}")

    def time(self, key: str, *, required: bool = True) -> None:
        present, value = self._get(key, required)
        if present and not _is_time(value):
            self.problems.append(f"{self._name(key)}: YYYY-MM-DDTHH:MM:SSZ")

    def obj(self, key: str, *, required: bool = True) -> dict[str, Any] | None:
        present, value = self._get(key, required)
        if not present:
            return None
        if not isinstance(value, dict):
            self.problems.append(f"{self._name(key)}: an object")
            return None
        return value

    def items(self, key: str, *, required: bool = True, non_empty: bool = False) -> list[Any]:
        present, value = self._get(key, required)
        if not present:
            return []
        if not isinstance(value, list) or (non_empty and not value):
            self.problems.append(f"{self._name(key)}: a {'non-empty ' if non_empty else ''}list")
            return []
        return value

    def nested(self, value: Any, path: str, check: Callable[[_Body], None]) -> None:
        if not isinstance(value, dict):
            self.problems.append(f"{path}: an object")
            return
        inner = _Body(value, path + ".")
        check(inner)
        self.problems.extend(inner.problems)

    def legal_ref(self, key: str) -> None:
        value = self.obj(key)
        if value is not None:
            self.nested(value, self._name(key), _legal_ref)

    def indicators(self, key: str = "indicators") -> None:
        for index, item in enumerate(self.items(key, required=False)):
            self.nested(item, f"{self._name(key)}[{index}]", _indicator)

    def strings(self, key: str, *, required: bool = True) -> None:
        for index, item in enumerate(self.items(key, required=required)):
            if not isinstance(item, str) or not item:
                self.problems.append(f"{self._name(key)}[{index}]: a non-empty string")


def _legal_ref(b: _Body) -> None:
    b.text("country")
    b.text("code")
    b.text("article")
    b.text("part", required=False)


def _indicator(b: _Body) -> None:
    b.text("kind", choices=INDICATOR_KINDS)
    b.text("value")


def _contact(c: _Body) -> None:
    for key in ("name", "phone", "email"):
        c.text(key, required=False)


def _by(c: _Body) -> None:
    c.text("role")
    c.text("name", required=False)


def _case_notification(b: _Body) -> None:
    for key in ("case_ref", "title", "summary"):
        b.text(key)
    b.legal_ref("offence")
    b.strings("facts")
    b.indicators()
    b.text("urgency", choices=URGENCY)
    contact = b.obj("contact", required=False)
    if contact is not None:
        b.nested(contact, "contact", _contact)
    b.text("language", required=False)


def _case_update(b: _Body) -> None:
    b.text("case_ref")
    b.obj("changes")
    b.text("note", required=False)


def _case_request(b: _Body) -> None:
    b.text("case_ref")
    b.text("kind", choices=REQUEST_KINDS)
    b.text("text")
    b.time("due_by", required=False)


def _case_response(b: _Body) -> None:
    b.text("case_ref")
    b.text("text")
    b.text("status", required=False, choices=RESPONSE_STATUSES)
    b.indicators()


def _target(b: _Body) -> None:
    if ("url" in b.data) == ("domain" in b.data):
        b.problems.append(f"{b.path.rstrip('.')}: exactly one of url, domain")
    b.text("url", required=False)
    b.text("domain", required=False)


def _evidence(b: _Body) -> None:
    b.text("sha256")
    if isinstance(b.data.get("sha256"), str) and not re.fullmatch(
        r"[0-9a-f]{64}", b.data["sha256"]
    ):
        b.problems.append(f"{b.path}sha256: 64 lowercase hex digits")
    b.time("captured_at")
    b.text("kind")


def _takedown_request(b: _Body) -> None:
    b.text("request_ref")
    for index, item in enumerate(b.items("targets", non_empty=True)):
        b.nested(item, f"targets[{index}]", _target)
    b.legal_ref("legal_basis")
    b.text("requested_action", choices=REQUESTED_ACTIONS)
    b.indicators()
    for index, item in enumerate(b.items("evidence", required=False)):
        b.nested(item, f"evidence[{index}]", _evidence)
    b.text("urgency", choices=URGENCY)


TAKEDOWN_STATUSES = (
    "received",
    "under_review",
    "order_issued",
    "blocked",
    "removed",
    "refused",
    "platform_unresponsive",
)


def _takedown_status(b: _Body) -> None:
    b.text("request_ref")
    b.text("target")
    b.text("status", choices=TAKEDOWN_STATUSES)
    b.time("at")
    b.text("note", required=False)


def _alert_ack(b: _Body) -> None:
    b.text("ref")
    if "ref" in b.data and not is_uuid(b.data["ref"]):
        b.problems.append("ref: an envelope id (UUID)")
    b.time("at")
    by = b.obj("by", required=False)
    if by is not None:
        b.nested(by, "by", _by)


def _published_key(b: _Body) -> None:
    b.text("id")
    if isinstance(b.data.get("id"), str) and not KEY_ID_RE.match(b.data["id"]):
        b.problems.append(f"{b.path}id: COUNTRY:LABEL")
    b.text("public_key")
    b.time("valid_from")
    if "valid_until" not in b.data:
        b.problems.append(f"{b.path}valid_until: required (null for open)")
    elif b.data["valid_until"] is not None:
        b.time("valid_until")


def _node_keys(b: _Body) -> None:
    for index, item in enumerate(b.items("keys", non_empty=True)):
        b.nested(item, f"keys[{index}]", _published_key)


def _receipt(b: _Body) -> None:
    b.text("ref")
    b.text("digest")
    b.time("received_at")


HEX_HASH_RE = re.compile(r"^[0-9a-f]{64}$")
MAX_TREE_SIZE = 2**53 - 1


def _tree_size(b: _Body, key: str) -> None:
    present, value = b._get(key, True)
    if present and not (
        isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_TREE_SIZE
    ):
        b.problems.append(f"{b._name(key)}: a tree size (an integer, 0 or more)")


def _hex_hash(b: _Body, key: str) -> None:
    present, value = b._get(key, True)
    if present and not (isinstance(value, str) and HEX_HASH_RE.match(value)):
        b.problems.append(f"{b._name(key)}: 64 lowercase hex digits (SHA-256)")


def _consistency(b: _Body) -> None:
    _tree_size(b, "from_size")
    _hex_hash(b, "from_root")
    for index, item in enumerate(b.items("proof")):
        if not (isinstance(item, str) and HEX_HASH_RE.match(item)):
            b.problems.append(f"{b.path}proof[{index}]: 64 lowercase hex digits (SHA-256)")


def _audit_checkpoint(b: _Body) -> None:
    _tree_size(b, "size")
    _hex_hash(b, "root_hash")
    b.time("at")
    consistency = b.obj("consistency", required=False)
    if consistency is not None:
        b.nested(consistency, "consistency", _consistency)


def _witnessed_head(b: _Body) -> None:
    _tree_size(b, "size")
    _hex_hash(b, "root_hash")
    b.time("at")
    b.time("witnessed_at")
    b.text("checkpoint")
    if isinstance(b.data.get("checkpoint"), str) and not is_uuid(b.data["checkpoint"]):
        b.problems.append("head.checkpoint: an envelope id (UUID)")


def _audit_witnessed(b: _Body) -> None:
    b.text("origin")
    if isinstance(b.data.get("origin"), str) and not COUNTRY_RE.match(b.data["origin"]):
        b.problems.append("origin: a country code")
    if "head" not in b.data:
        b.problems.append("head: required (null when nothing was witnessed)")
    elif b.data["head"] is not None:
        b.nested(b.data["head"], "head", _witnessed_head)


BODY_CHECKS: dict[str, Callable[[_Body], None]] = {
    "case.notification": _case_notification,
    "case.update": _case_update,
    "case.request": _case_request,
    "case.response": _case_response,
    "takedown.request": _takedown_request,
    "takedown.status": _takedown_status,
    "alert.ack": _alert_ack,
    "node.keys": _node_keys,
    "receipt": _receipt,
    "audit.checkpoint": _audit_checkpoint,
    "audit.witnessed": _audit_witnessed,
}
# What the inbox takes: a receipt and a witnessed head are returned in responses, never posted.
INBOX_TYPES = frozenset(BODY_CHECKS) - {"receipt", "audit.witnessed"}


# Longest text a receiver stores for a member of that name (the columns that keep it);
# longer is refused here (422) rather than failing in a handler after the receipt.
MAX_TEXT = {
    "case_ref": 64,
    "request_ref": 64,
    "title": 300,
    "target": 500,
    "url": 500,
    "domain": 253,
    "value": 500,
    "country": 2,
    "code": 60,
    "article": 40,
    "part": 20,
    "role": 30,
    "name": 150,
    "phone": 40,
    "email": 254,
    "language": 10,
    "kind": 30,
}
MAX_ITEMS = 1000  # members of one list (indicators, targets, facts, evidence, keys)


def text_problems(value: object, path: str = "body") -> list[str]:
    """NUL anywhere (PostgreSQL stores no U+0000, in text or jsonb), members longer than
    their column, lists longer than MAX_ITEMS: the same answer on every database."""
    problems: list[str] = []
    if isinstance(value, str):
        if "\x00" in value:
            problems.append(f"{path}: must not contain U+0000")
        member = path.rsplit(".", 1)[-1].split("[", 1)[0]
        limit = MAX_TEXT.get(member)
        if limit is not None and len(value) > limit:
            problems.append(f"{path}: at most {limit} characters")
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                problems.append(f"{path}: a member name must not contain U+0000")
            problems.extend(text_problems(item, f"{path}.{key}"))
    elif isinstance(value, list):
        if len(value) > MAX_ITEMS:
            problems.append(f"{path}: at most {MAX_ITEMS} items")
        for index, item in enumerate(value[:MAX_ITEMS]):
            problems.extend(text_problems(item, f"{path}[{index}]"))
    return problems


def body_problems(
    message_type: str, body: object, handling: str = "H0", created_at: str | None = None
) -> list[str]:
    """Problems of a body against its type's schema (the type must be known).

    With the envelope's `created_at`, a request's `due_by` before it is refused: a
    deadline already past when the request was written is a 1970 placeholder or a bug,
    and would otherwise page someone as "immediate"."""
    if not isinstance(body, dict):
        return ["body: an object"]
    checker = _Body(body)
    BODY_CHECKS[message_type](checker)
    due = body.get("due_by")
    if (
        message_type == "case.request"
        and _is_time(due)
        and _is_time(created_at)
        and str(due) < str(created_at)
    ):
        checker.problems.append("due_by: before the message's created_at")
    checker.problems.extend(text_problems(body)[:20])
    if handling == "H3":
        restrictions = body.get("restrictions")
        if not (isinstance(restrictions, str) and restrictions.strip()) and not (
            isinstance(restrictions, list)
            and restrictions
            and all(isinstance(r, str) for r in restrictions)
        ):
            checker.problems.append(
                "restrictions: required with handling H3 (text or list of texts)"
            )
    return checker.problems


# --- Private match (issue 22): extension of v1 ------------------------------------------
# `match.query` carries a PSI request (the querying node's indicators blinded under its
# one-time key) and its purpose; `match.answer` (a reply: `in_reply_to` is the query)
# carries the PSI response and the answering node's setup filters (its base filter is
# left out when the query says it holds it: `have_setup`, `base`). Binary members are
# unpadded base64url. A node that does not speak the extension answers 422 `unsupported`
# (ours does when PRIVATE_MATCH_ENABLED is off: the inbox checks it).

MATCH_TYPES = ("match.query", "match.answer")
_B64URL_RE = re.compile(r"^[A-Za-z0-9_-]+$")


class MatchQuery(TypedDict):
    case_ref: str
    request: str
    count: int
    # The digest of the answering node's base filter the querying node holds already.
    have_setup: NotRequired[str]


class MatchAnswer(TypedDict):
    response: str
    setups: list[str]  # the base filter first unless the client holds it; then fresh ones
    setup_version: int
    base: str  # digest (base64url SHA-256) of the base filter that answers


MATCH_QUERY: MessageType[MatchQuery] = MessageType("match.query")
MATCH_ANSWER: MessageType[MatchAnswer] = MessageType("match.answer")


def _b64url(b: _Body, key: str) -> None:
    value = b.data.get(key)
    if key not in b.data:
        b.problems.append(f"{key}: required")
    elif not (isinstance(value, str) and _B64URL_RE.match(value)):
        b.problems.append(f"{key}: unpadded base64url")


def _count(b: _Body, key: str, *, low: int) -> None:
    value = b.data.get(key)
    if key not in b.data:
        b.problems.append(f"{key}: required")
    elif not isinstance(value, int) or isinstance(value, bool) or not low <= value <= 2**31:
        b.problems.append(f"{key}: an integer, at least {low}")


def _match_query(b: _Body) -> None:
    b.text("case_ref")
    _b64url(b, "request")
    _count(b, "count", low=1)
    if "have_setup" in b.data:
        _b64url(b, "have_setup")


def _match_answer(b: _Body) -> None:
    _b64url(b, "response")
    setups = b.items("setups")
    for index, item in enumerate(setups):
        if not (isinstance(item, str) and _B64URL_RE.match(item)):
            b.problems.append(f"setups[{index}]: unpadded base64url")
    _count(b, "setup_version", low=0)
    _b64url(b, "base")


BODY_CHECKS["match.query"] = _match_query
BODY_CHECKS["match.answer"] = _match_answer
INBOX_TYPES = INBOX_TYPES | set(MATCH_TYPES)
