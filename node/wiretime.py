"""The federation's time on the wire (contract section 3): RFC 3339, UTC, whole seconds,
with Z, e.g. 2026-11-28T15:04:05Z. Pure functions.

Its one home sits here, below `exchange`, because `node` prints its keys' validity in
the same form (`manage.py node show --json`, read back by `peer import`) and must
not import `exchange`; `exchange.schemas` re-exports both functions with the rest of the
contract's vocabulary."""

from __future__ import annotations

import re
from datetime import UTC, datetime

FORMAT = "%Y-%m-%dT%H:%M:%SZ"
PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(FORMAT)


def parse_time(text: str) -> datetime:
    """The moment a wire time names; ValueError for anything else."""
    if not isinstance(text, str) or not PATTERN.match(text):
        raise ValueError("expected YYYY-MM-DDTHH:MM:SSZ")
    # The pattern fixed the form; fromisoformat (C) checks the ranges, as strptime did.
    return datetime.fromisoformat(text)
