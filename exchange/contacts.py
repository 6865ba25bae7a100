"""Whom to telephone at a peer: its duty contacts, agreed by the coordinators at
enrolment like the fingerprints.

alerts keeps them (`alerts.models.PeerContact`, added by `oncall peer-contact`) and
registers its reader here in its `ready()`, so the peers page shows them per peer while
exchange imports nothing above it (the same one-way hook as `exchange.handlers`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict


class DutyContact(TypedDict):
    name: str
    phone: str
    note: str


Source = Callable[[], dict[str, list[DutyContact]]]

_source: Source | None = None


def register(source: Source) -> None:
    """`source()` answers {country: [contact, ...]}; one source (alerts) per node."""
    global _source
    _source = source


def by_country() -> dict[str, list[DutyContact]]:
    """Every peer's duty contacts; none when no app keeps them."""
    return _source() if _source is not None else {}
