"""Cases' hand-written statements (run through `net247.db`; see cases/matching.py for
why): cached per vendor; only names from the models are formatted in, values are
parameters."""

from __future__ import annotations

from functools import cache

from cases.models import Case, Indicator, Takedown
from net247 import db


@cache
def local_matches(vendor: str) -> str:
    """`id` of the local indicators (no received item) equal to any of a list of
    (kind, value) pairs (`db.pairs_params`), of a case in the status %s or a takedown in
    the status %s: one prepared statement whatever the number of pairs."""
    kind, value = db.column(Indicator, "kind"), db.column(Indicator, "value")
    return (
        f"SELECT i.{db.column(Indicator, 'id')} AS id FROM {db.table(Indicator)} i"  # noqa: S608
        f" LEFT JOIN {db.table(Case)} c"
        f"  ON c.{db.column(Case, 'id')} = i.{db.column(Indicator, 'case')}"
        f" LEFT JOIN {db.table(Takedown)} t"
        f"  ON t.{db.column(Takedown, 'id')} = i.{db.column(Indicator, 'takedown')}"
        f" WHERE i.{db.column(Indicator, 'inbound')} IS NULL"
        f" AND (i.{kind}, i.{value}) IN ({db.pairs(vendor)})"
        f" AND (c.{db.column(Case, 'status')} = %s OR t.{db.column(Takedown, 'status')} = %s)"
    )
