"""Tree heads that other parties signed, and where `audit verify` finds them.

Why a registry: the heads are signed and kept by the exchange app (checkpoints co-signed
by the peers, fetched from them, exported beside a backup), but audit imports no other
app. A higher app registers, at startup (its AppConfig.ready), the functions that give
them; `audit verify --witnessed` / `--against FILE` call them (audit/verify.py checks).

- `register_head_source(name, fn)`: `fn()` returns the heads that source holds; it may
  raise (a peer unreachable): its message is shown, that source reported unavailable, the
  others still checked. Registering a name again replaces its function.
- `register_head_file_reader(fn)`: `fn(data)` turns an exported head file's bytes into a
  SignedHead after checking its signature; ValueError with a clear message otherwise.
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

    def describe(self) -> str:
        when = self.signed_at.isoformat() if self.signed_at else "time unknown"
        return (
            f"head of size {self.size}, root {self.root_hash}, signed by {self.signed_by} "
            f"at {when} ({self.source})"
        )


HeadSource = Callable[[], list[SignedHead]]
HeadFileReader = Callable[[bytes], SignedHead]

_sources: dict[str, HeadSource] = {}
_file_reader: list[HeadFileReader] = []  # at most one


def register_head_source(name: str, fn: HeadSource) -> None:
    _sources[name] = fn


def unregister_head_source(name: str) -> None:
    _sources.pop(name, None)


def head_sources() -> dict[str, HeadSource]:
    return dict(_sources)


def register_head_file_reader(fn: HeadFileReader | None) -> None:
    """Set (or with None, remove) the reader of exported signed head files."""
    _file_reader.clear()
    if fn is not None:
        _file_reader.append(fn)


def head_file_reader() -> HeadFileReader | None:
    return _file_reader[0] if _file_reader else None


@dataclass(frozen=True)
class SourceResult:
    name: str
    heads: list[SignedHead]
    error: str = ""  # why the source gave nothing (it raised)


def collect() -> list[SourceResult]:
    """Ask every registered source for its heads, in registration order."""
    results = []
    for name, fn in _sources.items():
        try:
            results.append(SourceResult(name, list(fn())))
        except Exception as exc:  # any failure of a source is reported, not fatal
            results.append(SourceResult(name, [], str(exc) or type(exc).__name__))
    return results
