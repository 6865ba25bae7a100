"""The kit's Grafana dashboard and Prometheus alert rules: they load, have what Grafana and
Prometheus require, and name only metrics /metrics exports (rendered here with a sample of
every figure, so a renamed metric fails this test). promtool, when installed (Debian
package `prometheus`), checks the rules and the exposition with Prometheus's own parser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import timedelta
from typing import Any

import jsonschema
import pytest
import yaml
from django.core.cache import cache
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from accounts.models import Role
from alerts import services as alert_services
from alerts.models import Alert
from exchange import inbox
from exchange import services as exchange_services
from exchange.models import InboundMessage, OutboxEntry, OutboxStatus, Peer
from net247 import metrics
from node import counters
from tests import factories
from tests.accounts.helpers import create_user
from tests.deploy import kit
from tests.fednet import FakePeer

DASHBOARD = kit.KIT / "grafana-dashboard.json"
RULES = kit.KIT / "prometheus-alerts.yml"
METRIC = re.compile(r"\bnet247_[a-z0-9_]+\b")
MD = FakePeer("MD")

TARGET = {
    "type": "object",
    "required": ["refId", "expr"],
    "properties": {"refId": {"type": "string", "minLength": 1}, "expr": {"type": "string"}},
}
GRID = {
    "type": "object",
    "required": ["h", "w", "x", "y"],
    "properties": {
        "h": {"type": "integer", "minimum": 1},
        "w": {"type": "integer", "minimum": 1, "maximum": 24},
        "x": {"type": "integer", "minimum": 0, "maximum": 23},
        "y": {"type": "integer", "minimum": 0},
    },
}
PANEL = {
    "type": "object",
    "required": ["id", "type", "title", "gridPos"],
    "properties": {
        "id": {"type": "integer"},
        "type": {"enum": ["row", "timeseries", "stat", "table", "gauge", "bargauge"]},
        "title": {"type": "string", "minLength": 1},
        "gridPos": GRID,
        "targets": {"type": "array", "items": TARGET},
    },
    "if": {"properties": {"type": {"not": {"const": "row"}}}},
    "then": {"required": ["targets", "datasource"], "properties": {"targets": {"minItems": 1}}},
}
# What Grafana's dashboard model needs to import a dashboard (the fields it reads first).
DASHBOARD_SCHEMA = {
    "type": "object",
    "required": ["title", "uid", "schemaVersion", "panels", "time", "templating"],
    "properties": {
        "title": {"type": "string", "minLength": 1},
        "uid": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,40}$"},
        "schemaVersion": {"type": "integer", "minimum": 30},
        "time": {"type": "object", "required": ["from", "to"]},
        "templating": {
            "type": "object",
            "required": ["list"],
            "properties": {"list": {"type": "array", "items": {"required": ["name", "type"]}}},
        },
        "panels": {"type": "array", "minItems": 1, "items": PANEL},
    },
}


@pytest.fixture
def exposition(db: Any, settings: Any, tmp_path: Any) -> str:
    """/metrics' text with at least one sample of every family."""
    factories.node(settings, tmp_path, "KZ", MD)
    cache.clear()
    now = timezone.now()
    for _ in range(2):
        exchange_services.message_send(
            type="case.update", to=["MD"], body={"case_ref": "KZ-1", "changes": {}}
        )
    delivered = OutboxEntry.objects.order_by("pk").first()
    assert delivered is not None
    OutboxEntry.objects.filter(pk=delivered.pk).update(status=OutboxStatus.DELIVERED,
                                                       delivered_at=now)  # fmt: skip
    Peer.objects.filter(country="MD").update(
        failing_since=now, last_receipt_at=now, last_heard_at=now, probed_at=now
    )
    InboundMessage.objects.create(
        envelope_id="e1", origin="MD", digest="d", type="case.update", thread="t",
        handling="H0", envelope={}, key_id=MD.key_id, receipt={}, created_at=now,
        received_at=now, state="failed",
    )  # fmt: skip
    inbox.receive(b"{", client_ip="203.0.113.9")
    alert = alert_services.alert_raise(kind="peer_silent", title="t", urgency="urgent")
    alert_services.alert_raise(kind="peer_silent", title="t2", urgency="urgent")
    Alert.objects.filter(pk=alert.pk).update(created_at=now - timedelta(minutes=1))
    alert_services.alert_acknowledge(
        alert=Alert.objects.get(pk=alert.pk), actor=create_user("coord-mon", Role.COORDINATOR)
    )
    for sweep in metrics.SWEEPS:
        with counters.timed(f"sweep:{sweep}"):
            pass
    return metrics.render().decode()


def exported(text: str) -> set[str]:
    families = list(text_string_to_metric_families(text))
    empty = [family.name for family in families if not family.samples]
    assert not empty, f"the fixture gives these no sample: {empty}"
    return {sample.name for family in families for sample in family.samples}


def test_dashboard_loads_is_a_grafana_model_and_graphs_only_exported_metrics(
    exposition: str,
) -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    jsonschema.validate(dashboard, DASHBOARD_SCHEMA)
    panels = dashboard["panels"]
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids)), "panel ids are unique"
    for panel in panels:
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24, panel["title"]
    variables = {v["name"] for v in dashboard["templating"]["list"]}
    exprs = [t["expr"] for p in panels for t in p.get("targets", [])]
    exprs += [v["definition"] for v in dashboard["templating"]["list"] if v.get("definition")]
    for expr in exprs:
        used = {match.group(0)[1:] for match in re.finditer(r"\$\w+", expr)}
        assert used <= variables, (expr, used - variables)
    named = {name for expr in exprs for name in METRIC.findall(expr)}
    metric_names = exported(exposition)
    assert named, "the dashboard graphs net247's metrics"
    assert named <= metric_names, f"not exported: {sorted(named - metric_names)}"
    # Every figure the node exports is on the dashboard (histograms by their buckets).
    shown = {re.sub(r"_(bucket|count|sum|gcount|gsum)$", "", name) for name in named}
    missing = {re.sub(r"_(bucket|count|sum|gcount|gsum)$", "", n) for n in metric_names} - shown
    assert not missing - {"net247_node_info"}, f"not on the dashboard: {sorted(missing)}"


def test_alert_rules_parse_and_name_only_exported_metrics(exposition: str) -> None:
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    alerts = [rule for group in rules["groups"] for rule in group["rules"]]
    assert {"alert", "expr"} <= set(alerts[0])
    names = {rule["alert"] for rule in alerts}
    assert len(names) == len(alerts), "alert names are unique"
    named = {name for rule in alerts for name in METRIC.findall(rule["expr"])}
    metric_names = exported(exposition)
    assert named <= metric_names, f"not exported: {sorted(named - metric_names)}"
    for needed in (
        "net247_peer_failing_since_timestamp_seconds",
        "net247_peer_oldest_queued_age_seconds",
        "net247_alerts_oldest_unacknowledged_age_seconds",
        "net247_inbox_rejected_total",
        "net247_sweep_last_run_timestamp_seconds",
    ):
        assert needed in named, f"no alert rule on {needed}"


@pytest.mark.skipif(not shutil.which("promtool"), reason="promtool not installed (prometheus)")
def test_promtool_accepts_the_rules_and_the_exposition(exposition: str) -> None:
    rules = subprocess.run(
        ["promtool", "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60
    )
    assert rules.returncode == 0, rules.stdout + rules.stderr
    scraped = subprocess.run(
        ["promtool", "check", "metrics"], input=exposition, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert scraped.returncode == 0, scraped.stdout + scraped.stderr
