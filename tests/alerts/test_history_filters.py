"""The alert history: AlertFilter narrows, bad values are errors, pages are complete and
stable, and GET /api/v1/alerts/ filters the same way as the page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts import services as accounts
from alerts.filters import AlertFilter
from alerts.models import Alert
from node import places
from tests.accounts.helpers import create_user, verified_client

pytestmark = pytest.mark.django_db


def _bearer(user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {accounts.token_create(user=user, name='t')[1]}"}


def _local(day: str, hour: int) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00").replace(tzinfo=places.zone_of(None))


def _alerts(rows: list[dict[str, Any]]) -> list[Alert]:
    made = Alert.objects.bulk_create(
        Alert(
            kind=row.get("kind", "inbound_notification"),
            title=row.get("title", f"Alert {n}"),
            summary=row.get("summary", ""),
            urgency=row.get("urgency", "routine"),
            state=row.get("state", "triggered"),
            origin=row.get("origin", ""),
        )
        for n, row in enumerate(rows)
    )
    for alert, row in zip(made, rows, strict=True):
        if "at" in row:
            Alert.objects.filter(pk=alert.pk).update(created_at=row["at"])
    return made


def test_each_alert_filter_narrows() -> None:
    a, b, c = _alerts(
        [
            {"kind": "inbound_request", "state": "resolved", "origin": "MD",
             "title": "Request from Chisinau", "at": _local("2026-04-01", 1)},
            {"kind": "delivery_failed", "urgency": "immediate", "summary": "KG unreachable",
             "at": _local("2026-04-02", 23)},
            {"kind": "inbound_request", "origin": "KG", "urgency": "urgent",
             "at": _local("2026-04-03", 0)},
        ]
    )  # fmt: skip
    qs = Alert.objects.all()

    def pks(**data: str) -> set[int]:
        f = AlertFilter(data, queryset=qs)
        assert f.is_valid(), f.errors
        return {x.pk for x in f.qs}

    assert pks(state="resolved") == {a.pk}
    assert pks(kind="inbound_request") == {a.pk, c.pk}
    assert pks(origin="KG") == {c.pk}
    assert pks(urgency="immediate") == {b.pk}
    assert pks(q="chisinau") == {a.pk} and pks(q="unreachable") == {b.pk}
    assert pks(since="2026-04-02", until="2026-04-02") == {b.pk}
    assert pks(since="2026-04-02") == {b.pk, c.pk}


@pytest.mark.parametrize(
    ("query", "field"),
    [({"state": "snoozed"}, "state"), ({"kind": "case.notification"}, "kind"),
     ({"until": "31.04.2026"}, "until"), ({"origin": "RU"}, "origin")],
)  # fmt: skip
def test_invalid_filters_are_errors_on_the_page_and_400_on_the_api(
    query: dict[str, str], field: str
) -> None:
    coord = create_user(f"hf.bad.{field}", "coordinator")
    _alerts([{"title": "Hidden while the filters are wrong"}])
    page = verified_client(Client(), coord).get("/alerts/history/", query)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="id_{field}_error"' in html
    assert "Hidden while the filters are wrong" not in html
    api = Client().get("/api/v1/alerts/", query, headers=_bearer(coord))
    assert api.status_code == 400 and field in api.json()


def test_history_pages_and_api_agree_and_are_stable() -> None:
    coord = create_user("hf.coord", "coordinator")
    _alerts([{"state": ["resolved", "triggered"][n % 2], "kind": "inbound_takedown"}
             for n in range(130)])  # fmt: skip
    Alert.objects.update(created_at=timezone.now() - timedelta(hours=1))  # ties: by id
    client = verified_client(Client(), coord)
    seen: list[int] = []
    for number in (1, 2):
        page = client.get("/alerts/history/", {"state": "resolved", "page": str(number)})
        listing = page.context["list"]
        assert listing.page.paginator.count == 65
        seen += [a.pk for a in listing.page.object_list]
    assert len(set(seen)) == 65 and seen == sorted(seen, reverse=True)
    api = (
        Client()
        .get("/api/v1/alerts/", {"state": "resolved", "limit": "500"}, headers=_bearer(coord))
        .json()
    )
    assert [a["id"] for a in api["results"]] == seen
