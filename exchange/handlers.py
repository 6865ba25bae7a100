"""Registry of what other apps do with received messages; exchange itself knows no domain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Handler = Callable[[Any], None]

_handlers: dict[str, Handler] = {}


class NotYet(Exception):
    """The message depends on one that has not arrived; keep it and retry later."""


def register(message_type: str, handler: Handler) -> None:
    existing = _handlers.get(message_type)
    if existing is not None and existing is not handler:
        raise RuntimeError(f"a handler for {message_type} is already registered")
    _handlers[message_type] = handler


def handler_for(message_type: str) -> Handler | None:
    return _handlers.get(message_type)
