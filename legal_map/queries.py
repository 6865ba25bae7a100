"""Legal map's hand-written statement (run through `net247.db`; see
legal_map/selectors.py for why)."""

from __future__ import annotations

from functools import cache

from legal_map.models import CatalogueState
from net247 import db


@cache
def catalogue_token(vendor: str) -> str:
    """`token` of the catalogue's single state row."""
    return (
        f"SELECT {db.column(CatalogueState, 'token')} AS token"  # noqa: S608
        f" FROM {db.table(CatalogueState)} WHERE {db.column(CatalogueState, 'id')} = 1"
    )
