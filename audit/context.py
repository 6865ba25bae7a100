"""Who is acting and from where, for the duration of one request or task."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RequestContext:
    request_id: str = ""
    client_ip: str = ""
    request: Any = field(default=None, repr=False)


current: ContextVar[RequestContext | None] = ContextVar("audit_request_context", default=None)


def get() -> RequestContext:
    return current.get() or RequestContext()
