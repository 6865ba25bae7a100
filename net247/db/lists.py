"""A list of values as one statement parameter, so that a statement is one cached,
prepared statement whatever the list's length: a PostgreSQL array, a JSON list on SQLite
(read with json_each). Builders take the vendor because statements are cached per vendor.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any


def any_of(expression: str, sql_type: str, vendor: str) -> str:
    """`expression` is one of the list passed as one parameter (see `list_param`);
    `sql_type` is the PostgreSQL element type, e.g. `bigint` or `text`."""
    if vendor == "postgresql":
        return f"{expression} = ANY(%s::{sql_type}[])"
    return f"{expression} IN (SELECT value FROM json_each(%s))"  # noqa: S608 (a name)


def list_param(values: Iterable[Any], vendor: str) -> Any:
    """The parameter that `any_of` reads."""
    listed = list(values)
    return listed if vendor == "postgresql" else json.dumps(listed)


def pairs(vendor: str) -> str:
    """A subquery of two text columns, one row per pair passed (see `pairs_params`: two
    parameters on PostgreSQL, one on SQLite)."""
    if vendor == "postgresql":
        return "SELECT * FROM unnest(%s::text[], %s::text[])"
    return "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(%s)"


def pairs_params(items: Sequence[tuple[str, str]], vendor: str) -> list[Any]:
    """The parameters that `pairs` reads."""
    if vendor == "postgresql":
        return [[first for first, _ in items], [second for _, second in items]]
    return [json.dumps([list(item) for item in items])]
