"""Where the heads that witnesses signed for this node's log come from (a registry).

audit imports no app above it, yet `audit verify --witnessed` must compare the log with
heads that other countries co-signed, and `--against FILE` with a signed head exported
before. The exchange app (which holds the keys and talks to the peers) registers its
sources and its file reader here at startup; audit only calls them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SignedHead:
    size: int
    root_hash: str  # lowercase hex
    signed_by: str  # "KG" (a witness country) or a key id for an exported head
    signed_at: datetime | None
    source: str  # human words: "co-signed receipt kept here", "fetched from KG", a file name


HeadSource = Callable[[], list[SignedHead]]
HeadFileReader = Callable[[bytes], SignedHead]

_sources: dict[str, HeadSource] = {}
_reader: HeadFileReader | None = None


def register_head_source(name: str, fn: HeadSource) -> None:
    """`fn()` answers the signed heads it knows of (raising when it cannot reach them)."""
    _sources[name] = fn


def register_head_file_reader(fn: HeadFileReader) -> None:
    """`fn(data)` verifies an exported signed head; ValueError on bad input."""
    global _reader
    _reader = fn


def head_sources() -> dict[str, HeadSource]:
    return dict(_sources)


def head_file_reader() -> HeadFileReader | None:
    return _reader
