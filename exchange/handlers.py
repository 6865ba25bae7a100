"""Registry of what other apps do with received messages; exchange itself knows no domain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Handler = Callable[[Any], None]

_handlers: dict[str, Handler] = {}
_before_receipt: set[str] = set()


class NotYet(Exception):
    """The message depends on one that has not arrived; keep it and retry later."""


class Refused(Exception):
    """What the message says is not acceptable from its origin (a contract error, e.g.
    `invalid_body`): the inbox answers it instead of a receipt and stores nothing."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def register(message_type: str, handler: Handler, *, before_receipt: bool = False) -> None:
    """before_receipt: run inside the inbox's own transaction, so that the receipt the peer
    gets means the effect holds (a peer's new key must be known before it signs with it)."""
    existing = _handlers.get(message_type)
    if existing is not None and existing is not handler:
        raise RuntimeError(f"a handler for {message_type} is already registered")
    _handlers[message_type] = handler
    if before_receipt:
        _before_receipt.add(message_type)


def runs_before_receipt(message_type: str) -> bool:
    return message_type in _before_receipt


def handler_for(message_type: str) -> Handler | None:
    return _handlers.get(message_type)
