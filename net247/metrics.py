"""`/metrics`: the node's figures for operators, in Prometheus's text format.

A node runs several processes (gunicorn workers, the ASGI server, Celery workers), so
nothing is counted in a process's memory: a custom collector reads the truth at scrape
time and a fresh registry renders it for each request.

- database rows: per-peer health (`exchange.selectors.peers_health`, what `peer list
  --json` prints), delivery and receipt latency, inbox acceptances and unfinished
  messages, alerts raised and unacknowledged, time to acknowledgement, escalation steps;
- the node's shared counters (`node.counters`, Redis in production): inbox rejections,
  which leave no row, and the duration and end of the last run of each periodic sweep.

Cost per scrape: aggregate queries only (about ten), each bounded. Per-peer figures read
the queued and failed outbox entries (status index), never the delivered history.
Exchange latencies and acceptances are machine-paced and would grow with years of
history, so they cover a window, WINDOW (the last hour), on the `delivered_at` index (outbox) and
on the newest INBOUND_SCAN_LIMIT rows by primary key (inbox, whose insert pays for no
extra index): those are gauge histograms (a sliding window, read them with
histogram_quantile() directly, not through rate()). Alerts are people-paced and read
whole: their figures are counters and a cumulative histogram.

Label values are bounded: enrolled peers, the contract's message types and refusal codes
(others count as "other"), alert kinds and urgencies, the two sweeps.

Who may read it (`allowed`): a client on loopback (the address `audit.middleware.client_ip`
believes, so X-Real-IP from TRUSTED_PROXIES counts and a remote client through nginx is
not loopback), or `Authorization: Bearer <METRICS_TOKEN>` compared in constant time.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeHistogramMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from alerts import selectors as alert_selectors
from audit.middleware import client_ip
from exchange import selectors as exchange_selectors
from net247.latency import Buckets
from node import counters

# Exchange latencies and acceptances cover this much recent time (names and HELP say so).
WINDOW = timedelta(hours=1)
# Seconds. Federation: from a fraction of a second on a healthy link to a day of outage.
EXCHANGE_BOUNDS = (0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400)
# Seconds. People: from half a minute to a day.
ACK_BOUNDS = (30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400)
SWEEPS = ("outbox", "escalations")  # node.counters.timed("sweep:<name>") in their tasks


def allowed(request: HttpRequest) -> bool:
    """Loopback client, or the bearer token when one is configured."""
    token = str(settings.METRICS_TOKEN)
    if token:
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    try:
        return ipaddress.ip_address(client_ip(request)).is_loopback
    except ValueError:
        return False


def render() -> bytes:
    """The text exposition of NodeCollector, from a registry of this request's own."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(NodeCollector())
    return generate_latest(registry)


def _timestamp(iso: str | None) -> float | None:
    return datetime.fromisoformat(iso).timestamp() if iso else None


def _le(bounds: Iterable[float], figures: Buckets) -> list[tuple[str, float]]:
    buckets = [(str(float(b)), float(n)) for b, n in zip(bounds, figures.cumulative, strict=True)]
    return [*buckets, ("+Inf", float(figures.count))]


class NodeCollector:
    """Reads every figure at collect time (see the module docstring)."""

    def collect(self) -> Iterable[Metric]:
        yield from self._node()
        yield from self._peers()
        yield from self._exchange()
        yield from self._alerts()
        yield from self._sweeps()

    def _node(self) -> Iterable[Metric]:
        info = GaugeMetricFamily(
            "net247_node_info", "This node; always 1 (its country as a label).", labels=["country"]
        )
        info.add_metric([settings.NODE_COUNTRY], 1)
        yield info

    def _peers(self) -> Iterable[Metric]:
        def gauge(name: str, text: str) -> GaugeMetricFamily:
            return GaugeMetricFamily(name, text, labels=["peer"])

        state = GaugeMetricFamily(
            "net247_peer_state",
            "1 for the peer's current state (ok, failing, silent, inactive), 0 for the others.",
            labels=["peer", "state"],
        )
        active = gauge("net247_peer_active", "1 if the peer is enrolled and active.")
        queued = gauge("net247_peer_queued", "Messages queued for delivery to the peer.")
        oldest = gauge(
            "net247_peer_oldest_queued_age_seconds",
            "Age of the oldest message queued for the peer (0: none queued).",
        )
        failed = gauge("net247_peer_failed", "Messages whose delivery to the peer failed for good.")
        backoff = gauge("net247_peer_backoff_level", "Current delivery back-off step (0: none).")
        since = gauge(
            "net247_peer_state_since_timestamp_seconds",
            "Since when the peer is in its state (failing: first failure; silent or ok: last "
            "heard). Absent for an inactive peer or one never heard from.",
        )
        failing = gauge(
            "net247_peer_failing_since_timestamp_seconds",
            "Deliveries to the peer failing since (absent while they succeed).",
        )
        receipt = gauge(
            "net247_peer_last_receipt_timestamp_seconds",
            "Last verified receipt from the peer (absent: none yet).",
        )
        heard = gauge(
            "net247_peer_last_heard_timestamp_seconds",
            "Last message, receipt or verified key document from the peer (absent: never).",
        )
        probed = gauge(
            "net247_peer_last_probe_timestamp_seconds",
            "Last GET /keys probe of the failing peer (absent: not probed in this episode).",
        )
        probe_ok = gauge(
            "net247_peer_probe_ok",
            "1 if the last probe of the failing peer verified, 0 if it failed (absent: none).",
        )
        for peer in exchange_selectors.peers_health():
            country = peer["country"]
            for name in exchange_selectors.PeerState.ALL:
                state.add_metric([country, name], 1 if peer["state"] == name else 0)
            active.add_metric([country], 1 if peer["active"] else 0)
            queued.add_metric([country], peer["queued"])
            oldest.add_metric([country], peer["oldest_queued_age_seconds"] or 0)
            failed.add_metric([country], peer["failed"])
            backoff.add_metric([country], peer["backoff_level"])
            for family, key in (
                (since, "state_since"),
                (failing, "failing_since"),
                (receipt, "last_receipt_at"),
                (heard, "last_heard_at"),
                (probed, "probed_at"),
            ):
                value = _timestamp(peer[key])
                if value is not None:
                    family.add_metric([country], value)
            if peer["probe_ok"] is not None:
                probe_ok.add_metric([country], 1 if peer["probe_ok"] else 0)
        yield from (state, active, queued, oldest, failed, backoff)
        yield from (since, failing, receipt, heard, probed, probe_ok)

    def _exchange(self) -> Iterable[Metric]:
        window = timezone.now() - WINDOW
        delivery = GaugeHistogramMetricFamily(
            "net247_delivery_latency_seconds",
            "Messages delivered in the last hour, by seconds from signing to the "
            "peer's verified receipt.",
            labels=["peer"],
        )
        for country, figures in exchange_selectors.delivery_latency(
            EXCHANGE_BOUNDS, window
        ).items():
            delivery.add_metric([country], _le(EXCHANGE_BOUNDS, figures), figures.sum_seconds)
        yield delivery
        receipt = GaugeHistogramMetricFamily(
            "net247_receipt_latency_seconds",
            "Messages received in the last hour, by seconds from the origin's "
            "signing (its clock) to our storing them.",
            labels=["peer"],
        )
        for country, figures in exchange_selectors.receipt_latency(EXCHANGE_BOUNDS, window).items():
            receipt.add_metric([country], _le(EXCHANGE_BOUNDS, figures), figures.sum_seconds)
        yield receipt
        accepted = GaugeMetricFamily(
            "net247_inbox_accepted_last_hour",
            "Messages the inbox accepted (stored, 202) in the last hour.",
            labels=["peer", "type"],
        )
        for (country, type_), n in exchange_selectors.inbound_accepted(window).items():
            accepted.add_metric([country, type_], n)
        yield accepted
        rejected = CounterMetricFamily(
            "net247_inbox_rejected",
            "Envelopes the inbox refused, by the contract's error code.",
            labels=["code"],
        )
        for code, refused in exchange_selectors.inbox_rejections().items():
            rejected.add_metric([code], refused)
        yield rejected
        unfinished = GaugeMetricFamily(
            "net247_inbox_unfinished",
            "Stored messages not processed: pending, waiting (for an earlier one of their "
            "thread), failed (their handler raised).",
            labels=["state"],
        )
        for state, n in exchange_selectors.inbound_unfinished().items():
            unfinished.add_metric([state], n)
        yield unfinished

    def _alerts(self) -> Iterable[Metric]:
        raised = CounterMetricFamily(
            "net247_alerts_raised", "Alerts raised on this node.", labels=["kind", "urgency"]
        )
        for (kind, urgency), n in sorted(alert_selectors.alerts_raised().items()):
            raised.add_metric([kind, urgency], n)
        yield raised
        open_now = GaugeMetricFamily(
            "net247_alerts_unacknowledged",
            "Alerts nobody has acknowledged yet.",
            labels=["urgency"],
        )
        oldest = GaugeMetricFamily(
            "net247_alerts_oldest_unacknowledged_age_seconds",
            "Age of the oldest alert nobody has acknowledged (0: none).",
            labels=["urgency"],
        )
        for urgency, (n, age) in alert_selectors.alerts_unacknowledged(timezone.now()).items():
            open_now.add_metric([urgency], n)
            oldest.add_metric([urgency], age)
        yield open_now
        yield oldest
        acked = HistogramMetricFamily(
            "net247_alert_ack_seconds",
            "Acknowledged alerts, by seconds from raising to acknowledgement.",
            labels=["urgency"],
        )
        for urgency, figures in alert_selectors.acknowledgement_latency(ACK_BOUNDS).items():
            acked.add_metric([urgency], _le(ACK_BOUNDS, figures), figures.sum_seconds)
        yield acked
        steps = CounterMetricFamily(
            "net247_escalation_steps",
            "Escalation steps run (each pages the step's people once).",
            labels=["urgency"],
        )
        pages = CounterMetricFamily(
            "net247_escalation_pages", "Pages sent by escalation steps.", labels=["urgency"]
        )
        for urgency, (n, paged) in sorted(alert_selectors.escalation_steps().items()):
            steps.add_metric([urgency], n)
            pages.add_metric([urgency], paged)
        yield steps
        yield pages

    def _sweeps(self) -> Iterable[Metric]:
        duration = GaugeMetricFamily(
            "net247_sweep_duration_seconds",
            "How long the last successful run of the periodic sweep took.",
            labels=["sweep"],
        )
        finished = GaugeMetricFamily(
            "net247_sweep_last_run_timestamp_seconds",
            "When the last successful run of the periodic sweep ended (absent: none since "
            "the shared counters began).",
            labels=["sweep"],
        )
        values = counters.read(
            [f"sweep:{s}:{figure}" for s in SWEEPS for figure in ("seconds", "finished")]
        )
        for sweep in SWEEPS:
            took, at = values[f"sweep:{sweep}:seconds"], values[f"sweep:{sweep}:finished"]
            if took is not None and at is not None:
                duration.add_metric([sweep], took)
                finished.add_metric([sweep], at)
        yield duration
        yield finished
