"""Locks on a peer's row never block the messages that point at it (issue 18).

A CI run of test_federation_load lost its sender: at start-up MD applied UZ's node.keys
(Peer row locked FOR UPDATE, then the audit chain) while `message send` held the chain and
committed outbox rows whose foreign key to that peer PostgreSQL checks with FOR KEY SHARE.
Each waited for the other; PostgreSQL killed the sender. FOR NO KEY UPDATE still
serialises two writers of the peer row and lets the foreign-key check through.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from audit.services import audited_transaction
from exchange import keyring, services
from exchange.models import OutboxEntry, Peer
from node import services as node_services
from tests.fednet import FakePeer

UZ = FakePeer("UZ")


@pytest.mark.django_db(transaction=True)
def test_applying_a_peers_keys_does_not_block_a_message_to_it(settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("row-lock modes are PostgreSQL's (SQLite locks the whole database)")
    settings.NODE_KEY_DIR = tmp_path / "keys"
    settings.NODE_COUNTRY = "MD"
    node_services.node_init()
    services.peer_add(country="UZ", url="http://127.0.0.1:9", keys=[(UZ.key_id, UZ.public_key)])
    peer = Peer.objects.get(country="UZ")
    keys = {"keys": [{"id": UZ.key_id, "public_key": UZ.public_key,
                      "valid_from": "2026-01-01T00:00:00Z", "valid_until": None}]}  # fmt: skip
    document = UZ.sign(UZ.envelope(["MD"], type="node.keys", body=keys))
    holding, done = threading.Event(), threading.Event()

    def apply_and_hold() -> None:
        try:
            # As the inbox does: its audit entries are appended when it commits.
            with audited_transaction():
                keyring.apply_node_keys(peer, document)  # the peer's row is locked now
                holding.set()
                done.wait(10)
        finally:
            connection.close()

    def send_one() -> None:
        try:
            services.message_send(
                type="case.update", to=["UZ"], body={"case_ref": "X", "changes": {}}
            )
        finally:
            connection.close()

    applier = threading.Thread(target=apply_and_hold)
    applier.start()
    try:
        assert holding.wait(10)
        sent = threading.Thread(target=send_one)
        sent.start()
        sent.join(5)
        committed = not sent.is_alive()  # with FOR UPDATE it waited for the applier
    finally:
        done.set()
        applier.join()
    assert committed
    assert OutboxEntry.objects.filter(destination=peer).count() == 1
