"""The exchange read side (exchange.selectors): which peer and key count, what was sent to
whom, a thread in both directions, and each peer's health state."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from exchange import selectors, services
from exchange.models import Peer
from tests import factories
from tests.fednet import FakePeer
from tests.readonly import writes_nothing

KZ = FakePeer("KZ")
UZ = FakePeer("UZ")
UPDATE = {"case_ref": "MD-2026-0001", "changes": {"status": "open"}}


@pytest.fixture
def md(db: Any, settings: Any, tmp_path: Any) -> None:
    factories.node(settings, tmp_path, "MD", KZ, UZ)
    settings.BACKGROUND = "celery"  # delivery tasks stay queued: nothing answers here


def test_a_key_counts_for_its_own_peer_only_and_stops_at_once_when_distrusted(md: None) -> None:
    key = selectors.trusted_peer_key("KZ", KZ.key_id)
    assert key is not None and key.public_key == KZ.public_key
    assert selectors.trusted_peer_key("UZ", KZ.key_id) is None  # another peer's key
    assert selectors.trusted_peer_key("KZ", "KZ:unknown") is None
    services.peer_distrust_key(key_id=KZ.key_id, reason="compromised")
    assert selectors.trusted_peer_key("KZ", KZ.key_id) is None
    stored = selectors.peer_key(KZ.key_id)  # still known, for the peers page
    assert stored is not None and not stored.trusted and stored.peer.country == "KZ"


def test_a_deactivated_peer_is_no_active_peer(md: None) -> None:
    found = selectors.active_peer("kz")
    assert found is not None and found.country == "KZ"
    services.peer_deactivate(country="KZ", reason="left the federation")
    assert selectors.active_peer("KZ") is None
    assert selectors.active_peer("TJ") is None  # never enrolled


def test_sent_to_names_the_destinations_of_a_message_only(md: None) -> None:
    message = services.message_send(type="case.update", to=["KZ"], body=dict(UPDATE))
    assert selectors.sent_to(message.envelope_id, "KZ")
    assert not selectors.sent_to(message.envelope_id, "UZ")
    assert not selectors.sent_to("00000000-0000-0000-0000-000000000000", "KZ")


def test_a_thread_shows_both_directions_in_time_order_with_deliveries(md: None) -> None:
    sent = services.message_send(type="case.update", to=["KZ", "UZ"], body=dict(UPDATE))
    reply = KZ.envelope(["MD"], thread=sent.thread, in_reply_to=sent.envelope_id)
    answer = factories.signed_post(KZ, reply)
    assert answer.status_code in (200, 202), answer.content
    services.message_send(type="case.update", to=["KZ"], body=dict(UPDATE))  # another thread

    items = selectors.thread_messages(sent.thread)

    assert [(i["direction"], i["envelope_id"]) for i in items] == [
        ("out", sent.envelope_id),
        ("in", reply["id"]),
    ]
    deliveries = {d["destination"]: d["status"] for d in items[0]["deliveries"]}
    assert deliveries == {"KZ": "queued", "UZ": "queued"}
    assert items[1]["origin"] == "KZ"


def test_each_peer_s_health_state(md: None, settings: Any) -> None:
    services.message_send(type="case.update", to=["KZ"], body=dict(UPDATE))
    now = timezone.now()
    silent_since = now - timedelta(minutes=settings.ALERTS_PEER_SILENCE_MINUTES + 1)
    Peer.objects.filter(country="UZ").update(last_heard_at=silent_since)
    Peer.objects.filter(country="KZ").update(last_heard_at=now, failing_since=now)
    assert {p["country"]: (p["state"], p["queued"]) for p in selectors.peers_health()} == {
        "KZ": ("failing", 1),
        "UZ": ("silent", 0),
    }
    Peer.objects.filter(country="KZ").update(failing_since=None)
    services.peer_deactivate(country="UZ", reason="left")
    assert {p["country"]: p["state"] for p in selectors.peers_health()} == {
        "KZ": "ok",
        "UZ": "inactive",
    }


def test_the_read_side_writes_nothing(md: None) -> None:
    """Every selector the inbox, the sender, a page, a command or /metrics calls."""
    sent = services.message_send(type="case.update", to=["KZ", "UZ"], body=dict(UPDATE))
    reply = KZ.envelope(["MD"], thread=sent.thread, in_reply_to=sent.envelope_id)
    assert factories.signed_post(KZ, reply).status_code in (200, 202)
    since = timezone.now() - timedelta(hours=1)
    with writes_nothing():
        context = selectors.inbox_context("KZ", KZ.key_id, sent.thread)
        assert context.peer is not None and context.key is not None
        assert selectors.trusted_peer_key("KZ", KZ.key_id) is not None
        assert selectors.sent_to(sent.envelope_id, "UZ")
        assert len(selectors.thread_messages(sent.thread)) == 2
        assert {p["country"] for p in selectors.peers_health()} == {"KZ", "UZ"}
        assert len(selectors.peers_page()) == 2
        selectors.delivery_latency([0.1, 1.0], since)
        selectors.receipt_latency([0.1, 1.0], since)
        selectors.inbound_accepted(since)
        selectors.inbound_unfinished()
        selectors.inbox_rejections()
        assert selectors.peer_key(KZ.key_id) is not None
        assert selectors.active_peer("UZ") is not None
