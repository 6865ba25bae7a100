"""Canonical JSON (contract section 2): encode, and parse only bytes that already are canonical.

Pure: no ORM, no settings. A message is never "normalised" before verification: the
parser decodes the bytes, re-encodes the value canonically and refuses the input unless
the two byte strings are identical. That one comparison rejects whitespace, key order,
escapes of non-ASCII characters, `\\/`, exponent or leading-zero numbers and a BOM; the
hooks below reject what a round trip cannot see (duplicate keys, floats, NaN, integers
beyond +-(2**53-1), non-ASCII object keys).
"""

from __future__ import annotations

import json
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1


class CanonicalError(ValueError):
    """The value or the bytes are not canonical JSON."""


def _check(value: Any) -> None:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise CanonicalError(f"integer {value} is outside +-(2**53-1)")
        return
    if isinstance(value, float):
        raise CanonicalError("floats are not allowed in canonical JSON")
    if isinstance(value, list | tuple):
        for item in value:
            _check(item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalError("object keys must be strings")
            if not key.isascii():
                raise CanonicalError(f"object key {key!r} is not ASCII")
            _check(item)
        return
    raise CanonicalError(f"{type(value).__name__} is not a JSON value")


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def dumps(value: Any) -> bytes:
    """The canonical UTF-8 bytes of a JSON value; raises CanonicalError if it has none."""
    _check(value)
    return encode(value)


def encode(value: Any) -> bytes:
    """dumps() without walking the value first: only for a value that came from loads(),
    which refused everything dumps() checks for, or is built of such values and strings
    (the inbox, for the envelope it has just parsed)."""
    text = _ENCODER.encode(value)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate has no UTF-8 form
        raise CanonicalError("string holds a lone surrogate") from exc


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object without duplicate or non-ASCII keys."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise CanonicalError(f"duplicate key {key!r}")
        if not key.isascii():
            raise CanonicalError(f"object key {key!r} is not ASCII")
        result[key] = value
    return result


def _safe_integer(text: str) -> int:
    value = int(text)
    if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise CanonicalError(f"integer {value} is outside +-(2**53-1)")
    return value


def _no_float(text: str) -> Any:
    raise CanonicalError(f"number {text} is not an integer")


def _no_constant(text: str) -> Any:
    raise CanonicalError(f"{text} is not JSON")


def loads(raw: bytes) -> Any:
    """Parse bytes that must be canonical JSON; raises CanonicalError otherwise."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CanonicalError("not UTF-8") from exc
    try:
        value = json.loads(
            text,
            object_pairs_hook=_object,
            parse_int=_safe_integer,
            parse_float=_no_float,
            parse_constant=_no_constant,
        )
    except CanonicalError:
        raise
    except (ValueError, RecursionError) as exc:
        raise CanonicalError(f"not JSON: {exc}") from exc
    # The hooks refused what dumps() would: encoding the value again needs no walk.
    if encode(value) != raw:
        raise CanonicalError("bytes are JSON but not in canonical form")
    return value
