"""Exchange's hand-written statements (run through `net247.db`; see exchange/selectors.py
for why each one is not an ORM query). Builders are cached per vendor; only names from
the models are formatted in, values are parameters."""

from __future__ import annotations

from functools import cache

from exchange.models import InboundMessage, Peer, PeerKey
from net247 import db
from node.models import NodeKey


@cache
def inbox_context(vendor: str) -> str:
    """The active peer of an origin (columns `peer__*`), its trusted key of a key id
    (`key__*`, NULL when it has none), our current key id (`signing_key_id`) and whether
    messages of a thread wait (`thread_waiting`). Parameters: thread, waiting state,
    key id, origin."""
    message, node_key = db.table(InboundMessage), db.table(NodeKey)
    return (
        f"SELECT {db.columns(Peer, 'p', 'peer__')}, {db.columns(PeerKey, 'k', 'key__')},"  # noqa: S608
        f" (SELECT n.{db.column(NodeKey, 'key_id')} FROM {node_key} n"
        f"  WHERE n.{db.column(NodeKey, 'is_current')}) AS signing_key_id,"
        f" EXISTS (SELECT 1 FROM {message} m"
        f"  WHERE m.{db.column(InboundMessage, 'thread')} = %s"
        f"  AND m.{db.column(InboundMessage, 'state')} = %s) AS thread_waiting"
        f" FROM {db.table(Peer)} p"
        f" LEFT JOIN {db.table(PeerKey)} k"
        f"  ON k.{db.column(PeerKey, 'peer')} = p.{db.column(Peer, 'id')}"
        f"  AND k.{db.column(PeerKey, 'key_id')} = %s AND k.{db.column(PeerKey, 'trusted')}"
        f" WHERE p.{db.column(Peer, 'country')} = %s AND p.{db.column(Peer, 'active')}"
    )


@cache
def trusted_key(vendor: str) -> str:
    """Every column of the trusted key (key id, origin country) of a peer."""
    return (
        f"SELECT {db.columns(PeerKey, 'k')} FROM {db.table(PeerKey)} k"  # noqa: S608
        f" JOIN {db.table(Peer)} p ON p.{db.column(Peer, 'id')} = k.{db.column(PeerKey, 'peer')}"
        f" WHERE k.{db.column(PeerKey, 'key_id')} = %s AND p.{db.column(Peer, 'country')} = %s"
        f" AND k.{db.column(PeerKey, 'trusted')}"
    )
