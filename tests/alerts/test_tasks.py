"""The sweep: one bad alert or delivery cannot stop the others; escalation reaches a
coordinator by e-mail through a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

import email
import email.policy
import time
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from alerts import delivery, services, tasks
from alerts.models import Alert, Delivery, Page
from audit.models import AuditEntry
from exchange.models import Peer
from tests import factories
from tests.alerts.factories import person, rota
from tests.alerts.test_delivery import Inbox, smtp  # noqa: F401
from tests.fednet import FakePeer

pytestmark = pytest.mark.django_db

BROKEN: dict[str, Any] = {
    "version": 1,
    "urgency": "urgent",
    "steps": [
        {"action": "schedule", "schedule": "default", "wait_minutes": 1},
        {"action": "carrier_pigeon", "wait_minutes": 1},
    ],
    "repeat": 0,
    "ack_window_minutes": 60,
}


def two_steps(wait: float = 1) -> None:
    """The prosecutor on call first, then the coordinators."""
    services.policy_set(
        urgency="urgent",
        steps=[
            {"action": "schedule", "schedule": "default", "wait_minutes": wait},
            {"action": "coordinators", "wait_minutes": wait},
        ],
        repeat=0,
        ack_window_minutes=60,
    )


def make_due(*alerts: Alert) -> None:
    Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(
        next_step_at=timezone.now() - timedelta(seconds=1)
    )


def failures(alert: Alert) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="alert.step_failed", object_id=str(alert.pk)))


def test_an_alert_whose_step_raises_does_not_stop_the_others() -> None:
    person("p1"), person("c1", "coordinator")
    rota("p1")
    two_steps()
    bad = services.alert_raise(kind="k1", title="bad", urgency="urgent")
    good = services.alert_raise(kind="k2", title="good", urgency="urgent")
    # A snapshot no runner can follow, written straight to the row.
    Alert.objects.filter(pk=bad.pk).update(snapshot=BROKEN)
    make_due(bad, good)
    # The bad one comes first in the sweep's order.
    Alert.objects.filter(pk=bad.pk).update(next_step_at=timezone.now() - timedelta(seconds=5))

    result = tasks.sweep_escalations()

    assert result["failed"] == 1 and result["paged"] == 1
    assert sorted(Page.objects.filter(alert=good).values_list("step", "user__username")) == [
        (0, "p1"),
        (1, "c1"),
    ]
    [entry] = failures(bad)
    assert entry.outcome == "failure" and entry.details["stage"] == "escalation"
    assert "carrier_pigeon" in entry.details["error"]
    stuck = Alert.objects.get(pk=bad.pk)
    assert (stuck.next_step, stuck.next_repeat) == (1, 0)  # left as it was: still due
    assert stuck.next_step_at is not None and stuck.next_step_at <= timezone.now()

    # The next sweep tries it again (and records it again) ...
    tasks.sweep_escalations()
    assert len(failures(bad)) == 2
    # ... and once the row can be run, it escalates like any other.
    snapshot = {**BROKEN, "steps": [BROKEN["steps"][0], {"action": "coordinators"}]}
    Alert.objects.filter(pk=bad.pk).update(snapshot=snapshot)
    assert tasks.sweep_escalations()["paged"] == 1
    assert Page.objects.filter(alert=bad, user__username="c1").exists()
    assert len(failures(bad)) == 2


def test_a_delivery_that_raises_does_not_stop_the_other_deliveries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    person("p1"), person("p2")
    rota("p1")
    first = services.alert_raise(kind="k1", title="one", urgency="urgent")
    second = services.alert_raise(kind="k2", title="two", urgency="urgent")
    broken = Delivery.objects.get(page__alert=first)
    real = delivery.deliver

    def deliver(delivery_id: int) -> str:
        if delivery_id == broken.pk:
            raise RuntimeError("database hiccup")
        return real(delivery_id)

    monkeypatch.setattr(delivery, "deliver", deliver)
    result = tasks.sweep_escalations()
    assert result["failed"] == 1 and result["sent"] == 1
    assert Delivery.objects.get(page__alert=second).status == "sent"
    assert Delivery.objects.get(pk=broken.pk).status == "queued"  # the next sweep retries
    entry = AuditEntry.objects.get(action="alert.step_failed", object_type="alerts.delivery")
    assert entry.object_id == str(broken.pk) and entry.details["stage"] == "delivery"


def test_nobody_acknowledges_so_the_coordinator_is_mailed_through_real_smtp(
    smtp: Inbox,  # noqa: F811
    settings: Any,
) -> None:
    settings.NODE_URL = "https://net247.prokuratura.example.kz"
    person("kz.p1", email="duty@prokuratura.example.kz")
    person("kz.c1", "coordinator", email="coordinator@prokuratura.example.kz")
    rota("kz.p1")
    two_steps(wait=0.01)  # 0.6 s between steps
    alert = services.alert_raise(
        kind="inbound_notification",
        title="MD-2026-0042: вербовка через Telegram",
        urgency="urgent",
        origin="MD",
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        tasks.sweep_escalations()
        if (
            Page.objects.filter(alert=alert, user__username="kz.c1").exists()
            and not Delivery.objects.exclude(status="sent").exists()
        ):
            break
        time.sleep(0.2)
    assert sorted(Page.objects.filter(alert=alert).values_list("step", "user__username")) == [
        (0, "kz.p1"),
        (1, "kz.c1"),
    ]
    deadline = time.monotonic() + 5
    while len(smtp.messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    by_rcpt = {tuple(m.rcpt_tos): m for m in smtp.messages}
    assert set(by_rcpt) == {
        ("duty@prokuratura.example.kz",),
        ("coordinator@prokuratura.example.kz",),
    }
    mail = email.message_from_bytes(
        by_rcpt[("coordinator@prokuratura.example.kz",)].content,
        policy=email.policy.default,
    )
    subject = str(mail["Subject"]).strip()
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None
    body = str(part.get_content())
    link = f"https://net247.prokuratura.example.kz/alerts/{alert.pk}/"
    # No per-user language in accounts: the node's language (Russian) it is.
    assert settings.LANGUAGE_CODE == "ru"
    assert subject.startswith(f"[net247 {settings.NODE_COUNTRY}] Срочно: ")
    assert "MD-2026-0042: вербовка через Telegram" in subject
    assert link in body
    assert "Откройте тревогу и подтвердите её:" in body
    assert "Срочность: Срочно" in body and "Откуда: " in body
    assert "шаг 2, круг 1" in body  # the coordinators' step


def test_alerts_tasks_have_their_queue_and_time_limits() -> None:
    from net247.celery import app

    app.loader.import_default_modules()
    for name in ("alerts.tasks.sweep_escalations", "alerts.tasks.escalate", "alerts.tasks.deliver"):
        route = app.amqp.router.route({}, name)
        assert route["queue"].name == "alerts"
        task = app.tasks[name]
        assert task.soft_time_limit and task.time_limit
        assert task.time_limit > task.soft_time_limit
    assert app.amqp.router.route({}, "exchange.tasks.sweep_outbox")["queue"].name == "celery"
    assert settings.EMAIL_TIMEOUT == 10


def test_a_due_step_pages_and_mails_once_however_often_the_sweep_runs() -> None:
    """Celery may run the sweep twice (a retry, two beats): the rows decide, nobody is
    paged or mailed twice for one step."""
    person("p1"), person("c1", "coordinator")
    rota("p1")
    two_steps()
    alert = services.alert_raise(kind="k", title="nobody answers", urgency="urgent")
    make_due(alert)

    first, second = tasks.sweep_escalations(), tasks.sweep_escalations()

    assert (first["paged"], second["paged"]) == (1, 0)
    assert sorted(Page.objects.filter(alert=alert).values_list("step", "user__username")) == [
        (0, "p1"),
        (1, "c1"),
    ]
    assert set(Delivery.objects.filter(page__alert=alert).values_list("status", flat=True)) == {
        "sent"
    }
    to_c1 = [m for m in mail.outbox if m.to == ["c1@example.org"]]
    assert len(to_c1) == 1


def test_a_silent_peer_raises_one_alert_per_silence_over_many_sweeps(
    settings: Any, tmp_path: Any
) -> None:
    factories.node(settings, tmp_path, "KZ", FakePeer("MD"))
    person("c1", "coordinator")
    long_ago = timezone.now() - timedelta(minutes=settings.ALERTS_PEER_SILENCE_MINUTES + 5)
    Peer.objects.filter(country="MD").update(last_heard_at=long_ago)

    results = [tasks.sweep_escalations() for _ in range(2)]

    assert [r["silent"] for r in results] == [1, 1]  # looked at twice ...
    [alert] = Alert.objects.filter(kind="peer_silent")  # ... raised once (its dedupe key)
    assert alert.params["country"] == "MD"
    assert Page.objects.filter(alert=alert, user__username="c1").count() == 1
