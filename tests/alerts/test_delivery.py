"""E-mail and webhook pages through real servers on loopback (aiosmtpd, http.server)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from alerts import delivery, services, tasks
from alerts.models import Delivery
from deploy.federation import free_port
from tests.alerts.factories import person, rota
from tests.httpstub import Stub, serving

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield inbox
    controller.stop()


class Receiver(Stub):
    fail_first = 0
    bodies: list[dict[str, Any]] = []
    calls = 0

    def do_POST(self) -> None:
        data = self.request_body()
        type(self).calls += 1
        status = 500 if type(self).calls <= type(self).fail_first else 204
        if status == 204:
            type(self).bodies.append(json.loads(data))
        self.answer(status)


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.fail_first, Receiver.bodies, Receiver.calls = 0, [], 0
    with serving(Receiver) as server:
        yield f"http://127.0.0.1:{server.server_port}/hook"


def test_page_is_mailed_through_a_real_smtp_server(smtp: Inbox) -> None:
    person("p1", email="duty@prosecutor.example")
    rota("p1")
    alert = services.alert_raise(kind="inbound_notification", title="MD X-7", urgency="urgent")
    row = Delivery.objects.get(page__alert=alert)
    assert delivery.deliver(row.pk) == "sent"
    assert delivery.deliver(row.pk) == "skipped"  # a retried task sends nothing more
    deadline = time.monotonic() + 5
    while not smtp.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message.rcpt_tos == ["duty@prosecutor.example"]
    assert "MD X-7" in message.content.decode()


def test_webhook_is_retried_until_the_receiver_answers(receiver: str, settings: Any) -> None:
    settings.ALERTS_RETRY_BASE_SECONDS = 0.2
    Receiver.fail_first = 2
    person("p1", webhook=receiver)
    rota("p1")
    alert = services.alert_raise(kind="peer_silent", title="KZ silent", urgency="immediate")
    row = Delivery.objects.get(page__alert=alert, channel__kind="webhook")
    statuses = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        tasks.sweep_escalations()  # the sweep picks up due deliveries
        row.refresh_from_db()
        statuses.append(row.status)
        if row.status == "sent":
            break
        time.sleep(0.1)
    assert row.status == "sent" and row.attempts == 3
    assert Receiver.calls == 3
    assert len(Receiver.bodies) == 1
    body = Receiver.bodies[0]
    assert (body["alert"], body["title"], body["urgency"]) == (alert.pk, "KZ silent", "immediate")


def test_webhook_gives_up_after_the_last_attempt(receiver: str, settings: Any) -> None:
    settings.ALERTS_RETRY_BASE_SECONDS = 0
    Receiver.fail_first = 100
    person("p1", webhook=receiver)
    rota("p1")
    alert = services.alert_raise(kind="k", title="t", urgency="routine")
    row = Delivery.objects.get(page__alert=alert, channel__kind="webhook")
    for _ in range(delivery.MAX_ATTEMPTS + 2):
        delivery.deliver(row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", delivery.MAX_ATTEMPTS)
    assert Receiver.calls == delivery.MAX_ATTEMPTS


def test_a_claim_left_by_a_killed_worker_expires(receiver: str) -> None:
    person("p1", webhook=receiver)
    rota("p1")
    alert = services.alert_raise(kind="k", title="t", urgency="routine")
    row = Delivery.objects.get(page__alert=alert, channel__kind="webhook")
    stale = timezone.now() - delivery.CLAIM_TTL - timedelta(seconds=1)
    Delivery.objects.filter(pk=row.pk).update(status="sending", claimed_at=stale)
    assert delivery.deliver(row.pk) == "sent"
    assert Receiver.calls == 1
