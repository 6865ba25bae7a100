"""The 3 a.m. path in one process: signed notifications posted to the real inbox, the
prosecutor on call opens what paged them, acknowledging assigns it and names them in the
audit log, and a storm of notifications pages once per group with every item kept."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from alerts.models import Alert, AlertState, Delivery, Page
from audit.models import AuditEntry
from cases import selectors as case_selectors
from cases.models import InboundItem
from exchange import canonical
from exchange import services as exchange_services
from exchange.models import OutboundMessage
from node import services as node_services
from tests.accounts.helpers import create_user, verified_client
from tests.alerts.factories import person, rota
from tests.fednet import FakePeer

MD = FakePeer("MD")


@pytest.fixture
def kz(db: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.NODE_KEY_DIR = tmp_path / "keys"
    settings.NODE_COUNTRY = "KZ"
    node_services.node_init()
    exchange_services.peer_add(
        country="MD", url="http://127.0.0.1:9", keys=[(MD.key_id, MD.public_key)]
    )
    people = {
        "duty": person("kz-duty"),
        "other": person("kz-other"),
        "coord": person("kz-coord", "coordinator"),
        "audit": create_user("kz-audit", "auditor"),
    }
    rota("kz-duty")
    return people


def notify(title: str = "Вербовка веб-моделей", urgency: str = "urgent", **body: Any) -> str:
    fields = {
        "case_ref": "MD-2026-0042",
        "title": title,
        "summary": "Объявления в Telegram",
        "offence": {"country": "MD", "code": "CC", "article": "220/1", "part": "1"},
        "facts": ["adult_victim", "online", "webcam", "for_profit"],
        "indicators": [{"kind": "phone", "value": "+37369123456"}],
        "urgency": urgency,
    }
    fields.update(body)
    envelope = MD.envelope(["KZ"], type="case.notification", body=fields)
    raw = canonical.dumps(MD.sign(envelope))
    response = Client().post("/federation/v1/inbox", raw, content_type="application/json")
    assert response.status_code == 202, response.content
    return str(envelope["id"])


def page_of(user: Any, path: str, language: str = "ru") -> Any:
    client = verified_client(Client(), user)
    client.cookies["django_language"] = language
    return client.get(path, HTTP_ACCEPT_LANGUAGE=language)


def test_the_paged_prosecutor_opens_what_paged_them_and_acknowledging_assigns_it(
    kz: dict[str, Any],
) -> None:
    envelope_id = notify()
    alert = Alert.objects.get(envelope_id=envelope_id)
    item = InboundItem.objects.get(envelope_id=envelope_id)
    assert Page.objects.filter(alert=alert, user=kz["duty"]).exists()

    # The desk links the card to the item; the kind and urgency are words, not codes.
    desk = page_of(kz["duty"], "/alerts/").content.decode()
    assert f'href="/cases/inbound/{item.pk}/"' in desk
    assert f'href="/alerts/{alert.pk}/"' in desk
    assert "Получено уведомление о деле" in desk and "Срочно" in desk
    assert "inbound_notification" not in desk.split("alerts-labels")[0]
    assert "не подтверждено" in desk

    # Paged, so allowed in; a colleague who was not paged gets a 404, not the content.
    assert page_of(kz["duty"], f"/cases/inbound/{item.pk}/").status_code == 200
    assert page_of(kz["other"], f"/cases/inbound/{item.pk}/").status_code == 404
    assert page_of(kz["other"], f"/alerts/{alert.pk}/").status_code == 404
    assert page_of(kz["audit"], "/alerts/").status_code == 403

    # The alert page: the item, our law's comparison, the indicators, the escalation.
    detail = page_of(kz["duty"], f"/alerts/{alert.pk}/").content.decode()
    assert "Сопоставление с нашим законом" in detail
    assert "+37369123456" in detail
    assert "kz-duty" in detail  # the timeline names who was paged
    english = page_of(kz["duty"], f"/alerts/{alert.pk}/", "en").content.decode()
    assert "Case notification received" in english and "Comparison with our law" in english

    client = verified_client(Client(), kz["duty"])
    acked = client.post(f"/api/v1/alerts/{alert.pk}/ack/")
    assert acked.status_code == 200, acked.content
    assert acked.json()["acknowledged_by"] == "kz-duty"

    item.refresh_from_db()
    alert.refresh_from_db()
    assert item.assigned_to == kz["duty"] and item.status == InboundItem.Status.ASSIGNED
    assert case_selectors.inbound_for(kz["duty"]).filter(pk=item.pk).exists()
    ack = OutboundMessage.objects.get(envelope_id=alert.ack_envelope_id)
    assert ack.type == "alert.ack" and ack.envelope["body"]["ref"] == envelope_id

    entry = AuditEntry.objects.get(action="alert.acknowledged", object_id=str(alert.pk))
    assert (entry.actor, entry.actor_kind, entry.role) == ("kz-duty", "user", "prosecutor")
    assert entry.details["ack_to"] == "MD"
    assigned = AuditEntry.objects.get(action="inbound.assign", object_id=str(item.pk))
    assert assigned.actor == "kz-duty" and assigned.details["via"] == "alert.acknowledged"

    # Closing needs a note; history keeps the closed alert and filters by state.
    refused = client.post(f"/alerts/{alert.pk}/resolve/", {"note": "  "})
    assert refused.status_code == 302
    alert.refresh_from_db()
    assert alert.state == AlertState.ACKNOWLEDGED
    client.post(f"/alerts/{alert.pk}/resolve/", {"note": "Передано в отдел"})
    alert.refresh_from_db()
    assert alert.state == AlertState.RESOLVED and alert.resolution_note == "Передано в отдел"
    history = page_of(kz["duty"], "/alerts/history/?state=resolved").content.decode()
    assert "Передано в отдел" in history and f'href="/alerts/{alert.pk}/"' in history
    assert (
        f'/alerts/{alert.pk}/"'
        not in page_of(kz["duty"], "/alerts/history/?state=triggered").content.decode()
    )


def test_a_storm_of_300_notifications_pages_once_per_group_and_keeps_every_item(
    kz: dict[str, Any], settings: Any
) -> None:
    # The peer's own backlog pacing is not under test here: let all 300 through at once.
    settings.EXCHANGE_INBOX_RATE, settings.EXCHANGE_INBOX_BURST = 10_000, 10_000
    ids = [notify(f"Уведомление {n}") for n in range(300)]

    alerts = Alert.objects.filter(kind="inbound_notification")
    assert alerts.count() == 300 and InboundItem.objects.count() == 300
    leaders = list(alerts.filter(group__isnull=True))
    assert len(leaders) == 1 and leaders[0].group_size == 300
    # Paged once, with one e-mail, for the whole group.
    assert Page.objects.filter(user=kz["duty"]).count() == 1
    assert Delivery.objects.filter(page__user=kz["duty"]).count() == 1

    # Every item is listed and openable by the paged prosecutor.
    assert case_selectors.inbound_for(kz["duty"]).count() == 300
    items = InboundItem.objects.filter(envelope_id__in=[ids[0], ids[149], ids[299]])
    for item in items:
        assert page_of(kz["duty"], f"/cases/inbound/{item.pk}/").status_code == 200
    desk = page_of(kz["duty"], "/alerts/").content.decode()
    assert desk.count('class="alert-card') == 1 and "300 тревог" in desk
    detail = page_of(kz["duty"], f"/alerts/{leaders[0].pk}/").content.decode()
    assert detail.count("/alerts/") >= 300  # each member listed with its own page

    # Acknowledging the group acknowledges each, signs each back, assigns each.
    answer = verified_client(Client(), kz["duty"]).post(f"/api/v1/alerts/{leaders[0].pk}/ack/")
    assert answer.status_code == 200
    assert not alerts.filter(state=AlertState.TRIGGERED).exists()
    assert OutboundMessage.objects.filter(type="alert.ack").count() == 300
    assert InboundItem.objects.filter(assigned_to=kz["duty"]).count() == 300

    # The group is closed: the next notification pages again.
    notify("После подтверждения")
    assert Page.objects.filter(user=kz["duty"]).count() == 2


def test_groups_are_per_origin_kind_and_urgency(kz: dict[str, Any]) -> None:
    notify("Первое", urgency="urgent")
    notify("Немедленное", urgency="immediate")
    notify("Второе срочное", urgency="urgent")
    leaders = Alert.objects.filter(group__isnull=True).order_by("pk")
    assert [(a.urgency, a.group_size) for a in leaders] == [("urgent", 2), ("immediate", 1)]
    assert Page.objects.filter(user=kz["duty"]).count() == 2


def test_the_desk_shows_the_newest_cards_and_says_how_many_it_leaves_out(
    kz: dict[str, Any],
) -> None:
    """The desk renders at most DESK_LIMIT cards (unacknowledged first, newest first); the
    rest are counted and linked, and the badge and the live count include the hidden
    unacknowledged ones, so none is left out without saying so."""
    from alerts import selectors

    duty = kz["duty"]
    limit = selectors.DESK_LIMIT
    made = []
    for i in range(limit + 5):
        state = AlertState.TRIGGERED if i < limit + 2 else AlertState.ACKNOWLEDGED
        alert = Alert.objects.create(kind="test", title=f"t{i}", urgency="urgent", state=state)
        Page.objects.create(alert=alert, step=0, repeat=0, user=duty)
        made.append(alert)
    Alert.objects.create(kind="test", title="not mine", urgency="urgent")
    desk = selectors.desk_alerts(duty)
    assert [a.pk for a in desk.rows] == [a.pk for a in reversed(made[: limit + 2])][:limit]
    assert desk.unacked_total == limit + 2
    assert desk.open_total == limit + 5
    assert sorted(desk.hidden_unacked) == [made[0].pk, made[1].pk]
    assert desk.hidden == 5

    page = page_of(duty, "/alerts/", "en")
    html = page.content.decode()
    assert html.count('class="alert-card') == limit
    assert "5 more open alerts are not shown here." in html
    assert "2 of them are not acknowledged." in html
    assert f'aria-hidden="true">{limit + 2}</span>' in html
    assert f"[{made[1].pk}, {made[0].pk}]" in html or f"[{made[0].pk}, {made[1].pk}]" in html
    ru = page_of(duty, "/alerts/", "ru").content.decode()
    assert "Ещё 5 открытых тревог здесь не показано." in ru
    assert "Из них 2 не приняты." in ru

    few = selectors.desk_alerts(kz["other"])
    assert few.rows == [] and few.hidden == 0 and few.unacked_total == 0
