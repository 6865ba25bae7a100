"""UUID version 7 (time-ordered) for envelope ids; Python 3.11 has no uuid.uuid7."""

from __future__ import annotations

import os
import re
import time
import uuid

UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


def uuid7() -> str:
    """48 bits of Unix milliseconds, then random bits: ids sort by creation time."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))


def is_uuid(text: object) -> bool:
    return isinstance(text, str) and UUID_RE.match(text) is not None
