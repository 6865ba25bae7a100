"""Reads of alerts that leave an audit entry: the duty desk, the history (page and API)
and one alert opened.

Why not in selectors: `alerts.selectors` only read and are called anywhere (the desk's
WebSocket, counts on every page) without writing; a person opening alerts is an action
worth recording, as `cases.read_services` records case reads. A read outside the user's
scope is recorded with `outcome="denied"`, then 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from alerts import selectors
from alerts.models import Alert
from audit.services import record


def _record_read(
    actor: Any, what: str, object_id: Any = "", outcome: str = "success", **details: Any
) -> None:
    record(
        action=what,
        actor=actor,
        object_type="alerts.alert",
        object_id=object_id,
        outcome=outcome,
        details=details,
    )


def desk_read(*, actor: Any) -> selectors.Desk:
    """The duty desk's open alerts (`selectors.desk_alerts`), recorded with what it shows."""
    desk = selectors.desk_alerts(actor)
    _record_read(actor, "alert.desk", shown=[alert.pk for alert in desk.rows])
    return desk


def alert_list_read(*, actor: Any, filters: Mapping[str, str] | None = None) -> QuerySet[Alert]:
    """The alert history (`selectors.alert_history`), recorded with the filters asked for."""
    qs = selectors.alert_history(actor)
    _record_read(actor, "alert.list", filters=dict(filters or {}))
    return qs


def alert_read(*, actor: Any, pk: Any) -> Alert:
    try:
        alert = selectors.alert_get(actor, pk)
    except Http404:
        _record_read(actor, "alert.read", pk, outcome="denied")
        raise
    _record_read(actor, "alert.read", alert.pk)
    return alert
