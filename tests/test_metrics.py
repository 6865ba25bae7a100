"""/metrics in-process: who may read it, and that its figures are the database's truth
(parsed by prometheus_client's own text parser). The real node processes' scrape is in
tests/exchange/test_metrics_federation.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from accounts.models import Role
from alerts import services as alert_services
from alerts.models import Alert
from exchange import inbox
from exchange import services as exchange_services
from exchange.models import InboundMessage, OutboundMessage, OutboxEntry, OutboxStatus, Peer
from node import counters
from node import services as node_services
from tests.accounts.helpers import create_user
from tests.fednet import FakePeer

MD = FakePeer("MD")
REMOTE = "203.0.113.7"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of the exposition as {(name, labels): value}."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(found: dict[Any, float], name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


@pytest.fixture
def kz(db: Any, settings: Any, tmp_path: Any) -> None:
    settings.NODE_KEY_DIR = tmp_path / "keys"
    settings.NODE_COUNTRY = "KZ"
    settings.METRICS_TOKEN = ""
    node_services.node_init()
    exchange_services.peer_add(
        country="MD", url="http://127.0.0.1:9", keys=[(MD.key_id, MD.public_key)]
    )
    cache.clear()


def test_loopback_reads_it_a_remote_client_is_refused(kz: None, client: Any) -> None:
    local = client.get("/metrics")
    assert local.status_code == 200
    assert local["Content-Type"].startswith("text/plain; version=0.0.4")
    refused = client.get("/metrics", REMOTE_ADDR=REMOTE)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert b"net247_" not in refused.content


def test_the_token_opens_it_to_a_remote_client(kz: None, client: Any, settings: Any) -> None:
    settings.METRICS_TOKEN = "a-long-metrics-token"
    right = client.get(
        "/metrics", REMOTE_ADDR=REMOTE, HTTP_AUTHORIZATION="Bearer a-long-metrics-token"
    )
    assert right.status_code == 200 and b"net247_peer_queued" in right.content
    for wrong in ("Bearer a-long-metrics-toke", "Bearer ", "a-long-metrics-token", ""):
        answer = client.get("/metrics", REMOTE_ADDR=REMOTE, HTTP_AUTHORIZATION=wrong)
        assert answer.status_code == 403, wrong


def test_an_empty_token_setting_opens_nothing(kz: None, client: Any) -> None:
    answer = client.get("/metrics", REMOTE_ADDR=REMOTE, HTTP_AUTHORIZATION="Bearer ")
    assert answer.status_code == 403


def test_x_real_ip_is_believed_only_from_a_trusted_proxy(
    kz: None, client: Any, settings: Any
) -> None:
    """Behind nginx every request comes from loopback: the address nginx saw decides."""
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    through_proxy = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP=REMOTE)
    assert through_proxy.status_code == 403
    local_via_proxy = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="::1")
    assert local_via_proxy.status_code == 200
    claim = client.get("/metrics", REMOTE_ADDR=REMOTE, HTTP_X_REAL_IP="127.0.0.1")
    assert claim.status_code == 403


def test_only_get(kz: None, client: Any) -> None:
    assert client.post("/metrics").status_code == 405


def test_figures_are_the_rows_and_the_shared_counters(kz: None, client: Any) -> None:
    now = timezone.now()
    for _ in range(3):
        exchange_services.message_send(
            type="case.update", to=["MD"], body={"case_ref": "KZ-1", "changes": {}}
        )
    entries = list(OutboxEntry.objects.order_by("pk"))
    # One delivered 3 s after signing, one 100 s after; one still queued, signed 2 min ago.
    for entry, took in zip(entries[:2], (3, 100), strict=True):
        delivered_at = entry.message.created_at + timedelta(seconds=took)
        OutboxEntry.objects.filter(pk=entry.pk).update(
            status=OutboxStatus.DELIVERED, delivered_at=delivered_at
        )
    OutboundMessage.objects.filter(pk=entries[2].message_id).update(
        created_at=now - timedelta(minutes=2)
    )
    Peer.objects.filter(country="MD").update(failing_since=now - timedelta(minutes=20))
    assert inbox.receive(b"{not json", client_ip="203.0.113.9").status == 400
    assert inbox.receive(b"{not json", client_ip="203.0.113.9").status == 400
    coordinator = create_user("coord-metrics", Role.COORDINATOR)
    with_ack = alert_services.alert_raise(kind="peer_silent", title="t1", urgency="urgent")
    alert_services.alert_raise(kind="peer_silent", title="t2", urgency="urgent")
    Alert.objects.filter(pk=with_ack.pk).update(created_at=now - timedelta(seconds=90))
    alert_services.alert_acknowledge(alert=Alert.objects.get(pk=with_ack.pk), actor=coordinator)
    with counters.timed("sweep:outbox"):
        pass

    found = samples(client.get("/metrics").content.decode())

    assert value(found, "net247_node_info", country="KZ") == 1
    assert value(found, "net247_peer_queued", peer="MD") == 1
    assert 110 <= (value(found, "net247_peer_oldest_queued_age_seconds", peer="MD") or 0) < 200
    assert value(found, "net247_peer_state", peer="MD", state="failing") == 1
    assert value(found, "net247_peer_state", peer="MD", state="ok") == 0
    failing = value(found, "net247_peer_failing_since_timestamp_seconds", peer="MD")
    assert failing is not None and abs(failing - (now.timestamp() - 1200)) < 2
    assert value(found, "net247_peer_last_receipt_timestamp_seconds", peer="MD") is None
    bucket = "net247_delivery_latency_seconds_bucket"
    assert value(found, bucket, peer="MD", le="2.5") == 0
    assert value(found, bucket, peer="MD", le="5.0") == 1
    assert value(found, bucket, peer="MD", le="60.0") == 1
    assert value(found, bucket, peer="MD", le="300.0") == 2
    assert value(found, bucket, peer="MD", le="+Inf") == 2
    assert value(found, "net247_delivery_latency_seconds_gsum", peer="MD") == pytest.approx(103)
    assert value(found, "net247_inbox_rejected_total", code="malformed") == 2
    assert value(found, "net247_inbox_rejected_total", code="conflict") == 0
    assert value(found, "net247_alerts_raised_total", kind="peer_silent", urgency="urgent") == 2
    assert value(found, "net247_alerts_unacknowledged", urgency="urgent") == 1
    assert value(found, "net247_alerts_unacknowledged", urgency="immediate") == 0
    ack = "net247_alert_ack_seconds_bucket"
    assert value(found, ack, urgency="urgent", le="60.0") == 0
    assert value(found, ack, urgency="urgent", le="120.0") == 1
    assert value(found, "net247_alert_ack_seconds_count", urgency="urgent") == 1
    assert value(found, "net247_sweep_duration_seconds", sweep="outbox") is not None
    assert value(found, "net247_sweep_last_run_timestamp_seconds", sweep="escalations") is None


def test_a_code_outside_the_contract_counts_as_other(kz: None) -> None:
    from exchange import selectors

    counters.add(selectors.rejection_counter("made_up_by_a_handler"))
    counters.add(selectors.rejection_counter("bad_signature"), 2)
    rejections = selectors.inbox_rejections()
    assert rejections["other"] == 1 and rejections["bad_signature"] == 2
    assert "made_up_by_a_handler" not in rejections


def test_receipt_latency_reads_only_the_newest_rows(kz: None, monkeypatch: Any) -> None:
    """The window is bounded by rows too: older rows beyond INBOUND_SCAN_LIMIT are not read."""
    from exchange import selectors

    now = timezone.now()
    common = {"origin": "MD", "digest": "d", "type": "case.update", "thread": "t",
              "handling": "H0", "envelope": {}, "key_id": MD.key_id, "receipt": {},
              "state": "processed"}  # fmt: skip
    InboundMessage.objects.bulk_create(
        InboundMessage(
            envelope_id=f"e{i}", created_at=now - timedelta(seconds=i), received_at=now, **common
        )
        for i in range(5)
    )
    everything = selectors.receipt_latency([2.5], now - timedelta(hours=1))["MD"]
    assert (everything.count, everything.cumulative) == (5, [3])
    assert selectors.inbound_accepted(now - timedelta(hours=1)) == {("MD", "case.update"): 5}
    monkeypatch.setattr(selectors, "INBOUND_SCAN_LIMIT", 2)
    newest = selectors.receipt_latency([2.5], now - timedelta(hours=1))["MD"]
    assert newest.count == 2 and newest.sum_seconds == pytest.approx(7)
