"""Registry of what other apps do with received messages; exchange itself knows no domain.

A handler gets a `Received[Body]`: the stored message's envelope members and its body
typed as the TypedDict of its type (`exchange.schemas`). A handler runs only after
`schemas.body_problems` passed the body, so the TypedDict's required members are there
with their types. `register` takes the type as a `schemas.MessageType[Body]` (e.g.
`schemas.CASE_NOTIFICATION`), so mypy checks that each handler takes the body of the
type it is registered for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from exchange import schemas

if TYPE_CHECKING:
    from exchange.models import InboundMessage

BodyT = TypeVar("BodyT")  # the TypedDict of a message type's body


@dataclass(frozen=True, slots=True)
class Received(Generic[BodyT]):
    """A verified, stored message as its handler sees it (contract section 3's members)."""

    envelope_id: str
    origin: str
    type: str
    thread: str
    in_reply_to: str | None
    handling: str
    key_id: str  # the origin's key that signed it
    body: BodyT
    envelope: dict[str, Any]  # as received, signature included
    receipt: dict[str, Any]  # the signed receipt this node answered with
    received_at: datetime


Handler = Callable[[Received[BodyT]], None]

_handlers: dict[str, Handler[Any]] = {}
_before_receipt: set[str] = set()


class NotYet(Exception):
    """The message depends on one that has not arrived; keep it and retry later."""


class Refused(Exception):
    """What the message says is not acceptable from its origin (a contract error, e.g.
    `invalid_body`): the inbox answers it instead of a receipt and stores nothing.

    details: when given, the refusal is worth more than the throttled rejection entry:
    the inbox audits it with them (`exchange.refused`) and sends `signals.message_refused`
    (a witness refusing a checkpoint that rewrites a log alerts its coordinators)."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


class OverBudget(Refused):
    """The origin has spent its budget for this type (the private match's daily items
    and queries): the inbox answers 429 `rate_limited` with Retry-After, stores nothing."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__("rate_limited", message)
        self.retry_after = retry_after


def received(message: InboundMessage) -> Received[Any]:
    """What a handler gets for a stored message (its body was checked against its type)."""
    return Received(
        envelope_id=message.envelope_id,
        origin=message.origin,
        type=message.type,
        thread=message.thread,
        in_reply_to=message.in_reply_to,
        handling=message.handling,
        key_id=message.key_id,
        body=message.envelope["body"],
        envelope=message.envelope,
        receipt=message.receipt,
        received_at=message.received_at,
    )


def register(
    message_type: schemas.MessageType[BodyT],
    handler: Handler[BodyT],
    *,
    before_receipt: bool = False,
) -> None:
    """before_receipt: run inside the inbox's own transaction, so that the receipt the peer
    gets means the effect holds (a peer's new key must be known before it signs with it)."""
    name = message_type.name
    existing = _handlers.get(name)
    if existing is not None and existing is not handler:
        raise RuntimeError(f"a handler for {name} is already registered")
    _handlers[name] = handler
    if before_receipt:
        _before_receipt.add(name)


def runs_before_receipt(message_type: str) -> bool:
    return message_type in _before_receipt


def handler_for(message_type: str) -> Handler[Any] | None:
    return _handlers.get(message_type)
