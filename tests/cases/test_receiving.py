"""Receiving through the real inbox (signed envelopes posted to /federation/v1/inbox):
items, out-of-order updates, indicator hits with alerts, mirrors that skip the review."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from alerts.labels import alert_title
from alerts.models import Alert
from cases import services
from cases.models import InboundItem, InboundTakedownTarget, IndicatorHit
from exchange.models import InboundMessage, OutboundMessage
from tests import factories
from tests.factories import CASE, user
from tests.fednet import FakePeer

MD = FakePeer("MD")


@pytest.fixture
def kz(db: Any, settings: Any, tmp_path: Any) -> None:
    factories.node(settings, tmp_path, "KZ", MD)


def post(envelope: dict[str, Any]) -> int:
    response = factories.signed_post(MD, envelope)
    assert response.status_code in (200, 202), response.content
    return int(response.status_code)


def notification(**body: Any) -> dict[str, Any]:
    return factories.notification(MD, **body)


def test_update_before_its_notification_waits_then_applies(kz: None) -> None:
    note = notification()
    update = MD.envelope(
        ["KZ"],
        type="case.update",
        body={"case_ref": "MD-2026-0042", "changes": {"title": "Новый заголовок"}},
        thread=note["id"],
        in_reply_to=note["id"],
    )
    post(update)
    assert InboundMessage.objects.get(envelope_id=update["id"]).state == "waiting"
    assert not InboundItem.objects.exists()
    post(note)
    item = InboundItem.objects.get()
    assert InboundMessage.objects.get(envelope_id=update["id"]).state == "processed"
    assert item.title == "Новый заголовок" and item.updates[0]["envelope_id"] == update["id"]
    assert item.origin == "MD" and item.key_id == MD.key_id
    assert item.receipt["body"]["ref"] == note["id"]
    assert item.comparison["target_country"] == "KZ"
    # Redelivery: same receipt, nothing processed twice.
    assert post(note) == 200 and InboundItem.objects.count() == 1
    alert = Alert.objects.get(kind="inbound_notification")
    assert (alert.origin, alert.envelope_id, alert.urgency) == ("MD", note["id"], "urgent")


def test_shared_indicator_is_a_hit_for_the_case_owner_and_nothing_is_sent(kz: None) -> None:
    owner = user("kz.p1", "prosecutor", "cyber")
    local = services.case_create(
        actor=owner,
        **{k: CASE[k] for k in ("title", "summary", "offence", "facts", "urgency")},
        indicators=[{"kind": "phone", "value": "+373 69 123 456"}],
    )
    post(notification(indicators=[{"kind": "phone", "value": "+373 (69) 12-34-56"}]))
    hit = IndicatorHit.objects.get()
    assert (hit.case, hit.kind, hit.value) == (local, "phone", "+37369123456")
    alert = Alert.objects.get(kind="indicator_hit")
    assert local.reference in alert.title
    theirs = InboundItem.objects.get().ref
    with translation.override("ru"):  # in the reader's language, never the kind `phone`
        assert alert_title(alert) == (
            f"Номер телефона +37369123456: в нашем {local.reference} и в {theirs} (Молдова)"
        )
    with translation.override("en"):
        assert alert_title(alert) == (
            f"Phone number +37369123456: in our {local.reference} and in {theirs} from Moldova"
        )
    assert not OutboundMessage.objects.exists()


def test_mirror_of_a_request_already_decided_skips_the_review(kz: None) -> None:
    coord = user("kz.coord", "coordinator", "hq")
    post(factories.takedown_request(MD))
    item = InboundItem.objects.get(kind="takedown")
    assert [t.status for t in item.targets.all()] == ["received"]
    from cases.takedowns import takedown_status_report

    takedown_status_report(actor=coord, item=item, target="webcam-jobs.md", status="blocked")
    mirror = factories.takedown_request(
        MD,
        request_ref="MD-TD-2026-0002",
        mirror_of="MD-TD-2026-0001",
        targets=[{"domain": "webcam-jobs2.md"}],
    )
    post(mirror)
    target = InboundTakedownTarget.objects.get(target="webcam-jobs2.md")
    assert target.status == "order_issued" and "MD-TD-2026-0001" in target.note
    sent = list(
        OutboundMessage.objects.filter(type="takedown.status").values_list("envelope", flat=True)
    )
    statuses = [(e["body"]["request_ref"], e["body"]["status"]) for e in sent]
    assert statuses == [
        ("MD-TD-2026-0001", "received"),
        ("MD-TD-2026-0001", "blocked"),
        ("MD-TD-2026-0002", "received"),
        ("MD-TD-2026-0002", "order_issued"),
    ]


def test_thread_page_shows_both_directions(kz: None) -> None:
    from tests.accounts.helpers import create_user, verified_client

    coord = create_user("kz.c2", "coordinator", "hq")
    note = notification()
    post(note)
    item = InboundItem.objects.get()
    services.request_send(actor=coord, kind="preservation", text="Keep it", inbound=item)
    client = verified_client(Client(), coord)
    html = client.get(f"/cases/threads/{note['thread']}/").content.decode()
    assert html.count('<li class="in"') == 1 and html.count('<li class="out"') == 1
    assert "Уведомление о деле" in html and "Запрос: сохранение данных" in html
    assert "case.notification" not in html and "MD-2026-0042: Вербовка веб-моделей" in html
    other = create_user("kz.p9", "prosecutor", "fraud")
    assert (
        verified_client(Client(), other).get(f"/cases/threads/{note['thread']}/").status_code == 404
    )
