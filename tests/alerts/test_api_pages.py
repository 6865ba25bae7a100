"""Alerts API (Bearer and TOTP session) and pages, in process."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts import services as accounts
from alerts import services as alert_services
from alerts.models import WsTicket
from alerts.services import alert_raise, ws_ticket_redeem
from tests.accounts.helpers import verified_client
from tests.alerts.factories import person, rota

pytestmark = pytest.mark.django_db


def bearer(user: Any) -> dict[str, str]:
    token = accounts.token_create(user=user, name="t")[1]
    return {"Authorization": f"Bearer {token}"}


def test_list_detail_ack_resolve_are_scoped_and_validated(client: Client) -> None:
    p1, p2 = person("p1"), person("p2")
    coordinator = person("c1", "coordinator")
    rota("p1", "p2")
    alert = alert_raise(kind="k", title="Pager test", urgency="urgent")
    mine = client.get("/api/v1/alerts/", headers=bearer(p1)).json()
    assert [a["title"] for a in mine["results"]] == ["Pager test"]
    assert client.get("/api/v1/alerts/", headers=bearer(p2)).json()["count"] == 0
    assert client.get(f"/api/v1/alerts/{alert.pk}/", headers=bearer(p2)).status_code == 404
    assert client.get(f"/api/v1/alerts/{alert.pk}/", headers=bearer(coordinator)).status_code == 200
    assert client.post(f"/api/v1/alerts/{alert.pk}/ack/", headers=bearer(p2)).status_code == 404
    acked = client.post(f"/api/v1/alerts/{alert.pk}/ack/", headers=bearer(p1))
    assert acked.status_code == 200
    assert (acked.json()["state"], acked.json()["acknowledged_by"]) == ("acknowledged", "p1")
    again = client.post(f"/api/v1/alerts/{alert.pk}/ack/", headers=bearer(p1))
    assert again.status_code == 400 and "state" in again.json()
    resolved = client.post(f"/api/v1/alerts/{alert.pk}/resolve/", headers=bearer(coordinator))
    assert resolved.json()["state"] == "resolved"
    assert client.get("/api/v1/alerts/", headers=bearer(p1)).status_code == 200
    assert client.get("/api/v1/alerts/").status_code in (401, 403)


def test_ws_ticket_is_single_use_and_only_its_hash_is_stored(client: Client) -> None:
    p1 = person("p1")
    answer = client.post("/api/v1/alerts/ws-ticket/", headers=bearer(p1))
    assert answer.status_code == 201
    ticket = answer.json()["ticket"]
    assert not WsTicket.objects.filter(token_hash=ticket).exists()
    user = ws_ticket_redeem(ticket)
    assert user is not None and user.pk == p1.pk
    assert ws_ticket_redeem(ticket) is None
    assert ws_ticket_redeem("forged") is None


def test_expired_tickets_are_purged(client: Client) -> None:
    p1 = person("p1")
    client.post("/api/v1/alerts/ws-ticket/", headers=bearer(p1))
    WsTicket.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client.post("/api/v1/alerts/ws-ticket/", headers=bearer(p1))
    assert WsTicket.objects.count() == 1
    assert WsTicket.objects.get().expires_at > timezone.now()


def test_on_call_api_answers_at_a_given_time(client: Client) -> None:
    c1 = person("c1", "coordinator")
    rota("c1")
    rows = client.get("/api/v1/alerts/on-call/", {"at": "2031-01-01T00:00:00Z"}, headers=bearer(c1))
    assert rows.status_code == 200
    assert rows.json()[0]["on_call"][0]["username"] == "c1"
    bad = client.get("/api/v1/alerts/on-call/", {"at": "tomorrow"}, headers=bearer(c1))
    assert bad.status_code == 400 and "at" in bad.json()


def test_duty_desk_in_russian_and_english(client: Client) -> None:
    p1 = person("p1")
    rota("p1")
    alert_raise(kind="k", title="Вызов", urgency="immediate")
    verified_client(client, p1)
    page = client.get("/alerts/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Дежурная часть" in text and "Вызов" in text and "Принять" in text
    client.cookies["django_language"] = "en"  # the language switch's cookie
    english = client.get("/alerts/").content.decode()
    assert "Duty desk" in english and "Acknowledge" in english and "Дежурная" not in english


def test_rota_and_policy_pages_are_for_coordinators(client: Client) -> None:
    p1, c1 = person("p1"), person("c1", "coordinator")
    verified_client(client, p1)
    assert client.get("/alerts/rota/").status_code == 403
    verified_client(client, c1)
    assert client.get("/alerts/rota/").status_code == 200
    alert_services.policies_ensure_defaults()
    client.cookies["django_language"] = "en"
    policies = client.get("/alerts/policies/").content.decode()
    assert "Then page every coordinator" in policies


def test_alert_reads_are_audited_with_filters_and_refusals(client: Client) -> None:
    """Issue 21: the duty desk, the history (API and page) and one alert opened each leave
    an entry; an alert outside the reader's scope is recorded as denied, then 404."""
    from audit.models import AuditEntry

    p1, p2 = person("p1"), person("p2")
    coordinator = person("c1", "coordinator")
    rota("p1", "p2")
    alert = alert_raise(kind="k", title="Pager test", urgency="urgent")

    def entries(action: str, actor: str) -> list[AuditEntry]:
        return list(AuditEntry.objects.filter(action=action, actor=actor).order_by("seq"))

    assert client.get("/api/v1/alerts/?q=Pager", headers=bearer(p1)).status_code == 200
    [listed] = entries("alert.list", "p1")
    assert (listed.object_type, listed.details) == ("alerts.alert", {"filters": {"q": "Pager"}})
    assert client.get(f"/api/v1/alerts/{alert.pk}/", headers=bearer(p2)).status_code == 404
    [refused] = entries("alert.read", "p2")
    assert (refused.outcome, refused.object_id) == ("denied", str(alert.pk))
    assert client.get(f"/api/v1/alerts/{alert.pk}/", headers=bearer(coordinator)).status_code == 200
    [read] = entries("alert.read", "c1")
    assert (read.outcome, read.object_id) == ("success", str(alert.pk))

    pages = verified_client(Client(), p1)
    assert pages.get("/alerts/").status_code == 200
    [desk] = entries("alert.desk", "p1")
    assert desk.details == {"shown": [alert.pk]}
    assert pages.get("/alerts/history/?q=Pager").status_code == 200
    assert [e.details for e in entries("alert.list", "p1")][-1] == {"filters": {"q": "Pager"}}
    assert pages.get(f"/alerts/{alert.pk}/").status_code == 200
    assert [e.object_id for e in entries("alert.read", "p1")] == [str(alert.pk)]
