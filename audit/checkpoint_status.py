"""How the other countries witness this node's audit log, for the auditor's page.

audit imports no app above it; the exchange app (which sends the checkpoints and keeps
the witnesses' receipts) registers the function that answers, as it registers the head
sources of `audit.witnesses`. No registration (a node without exchange): no section.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypedDict


class Witness(TypedDict):
    country: str
    # cosigned: it co-signed the latest checkpoint sent to it; behind: a newer one waits
    # for delivery (the country is down or slow); refused: it refused the latest one (the
    # log does not extend what it co-signed); none: nothing sent to it yet.
    state: str
    cosigned_size: int | None
    cosigned_root: str
    cosigned_at: datetime | None
    sent_size: int | None
    sent_at: datetime | None
    sent_status: str
    refusal: str  # the witness's words, when it refused
    superseded: int  # checkpoints replaced by a newer one before delivery


class Status(TypedDict):
    size: int | None  # the latest checkpoint sent (None: none yet)
    root_hash: str
    at: datetime | None
    witnesses: list[Witness]


_source: Callable[[], Status] | None = None


def register(source: Callable[[], Status]) -> None:
    global _source
    _source = source


def current() -> Status | None:
    return _source() if _source is not None else None
