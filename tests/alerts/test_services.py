"""Alerts services: raise, dedupe, escalation steps, snapshot, guard, auditor, publish."""

from __future__ import annotations

import threading
from datetime import time, timedelta

import pytest
from django.db import close_old_connections
from django.utils import timezone, translation

from alerts import escalation, selectors, services, sources
from alerts.models import Alert, AlertEvent, EscalationPolicy, Page, Schedule, StepRun
from audit.models import AuditEntry
from exchange.handlers import Received
from exchange.schemas import AlertAck
from tests.accounts.helpers import create_user
from tests.alerts.factories import person, rota

pytestmark = pytest.mark.django_db


def two_step_policy(urgency: str = "immediate", repeat: int = 1) -> None:
    services.policy_set(
        urgency=urgency,
        steps=[
            {"action": "schedule", "schedule": "default", "wait_minutes": 1},
            {"action": "coordinators", "wait_minutes": 2},
        ],
        repeat=repeat,
        ack_window_minutes=15,
    )


def pages(alert: Alert) -> list[tuple[int, int, str]]:
    return sorted((p.step, p.repeat, p.user.username) for p in Page.objects.filter(alert=alert))


def test_raise_pages_the_on_call_at_once_and_dedupes():
    person("p1"), person("p2"), person("c1", "coordinator")
    rota("p1", "p2")
    alert = services.alert_raise(
        kind="inbound_notification", title="MD X-1", urgency="urgent", dedupe_key="k1"
    )
    assert alert.state == "triggered"
    assert pages(alert) == [(0, 0, "p1")]
    event = AlertEvent.objects.get(user__username="p1")
    assert (event.seq, event.type, event.data["title"]) == (1, "alert.paged", "MD X-1")
    again = services.alert_raise(
        kind="inbound_notification", title="MD X-1", urgency="urgent", dedupe_key="k1"
    )
    assert again.pk == alert.pk and Page.objects.count() == 1
    assert AuditEntry.objects.filter(action="alert.raised", object_id=str(alert.pk)).count() == 1


def test_bad_input_stores_nothing():
    with pytest.raises(services.AlertsError) as info:
        services.alert_raise(kind="x", title="t", urgency="soon")
    assert info.value.field == "urgency"
    assert Alert.objects.count() == 0


def test_named_users_first_then_policy_steps_and_repeat():
    person("p1"), person("p2"), person("c1", "coordinator")
    rota("p1")
    two_step_policy(repeat=1)
    alert = services.alert_raise(
        kind="k", title="t", urgency="immediate", users=[selectors_user("p2")]
    )
    assert pages(alert) == [(0, 0, "p2")]
    start = timezone.now()
    # Nothing is due yet.
    assert escalation.run_due(alert.pk, start) == 0
    escalation.run_due(alert.pk, start + timedelta(minutes=1, seconds=1))
    assert pages(alert)[-1] == (1, 0, "p1")
    escalation.run_due(alert.pk, start + timedelta(minutes=3))
    assert pages(alert)[-1] == (2, 0, "c1")
    escalation.run_due(alert.pk, start + timedelta(minutes=6))
    escalation.run_due(alert.pk, start + timedelta(minutes=8))
    escalation.run_due(alert.pk, start + timedelta(minutes=12))
    # Two passes of three steps, then the escalation is exhausted.
    assert len(pages(alert)) == 6
    alert.refresh_from_db()
    assert alert.next_step_at is None
    assert escalation.run_due(alert.pk, start + timedelta(hours=1)) == 0


def selectors_user(username: str) -> int:
    from accounts.models import User

    return User.objects.get(username=username).pk


def test_policy_edit_does_not_move_a_running_escalation():
    person("p1"), person("c1", "coordinator")
    rota("p1")
    two_step_policy(repeat=0)
    alert = services.alert_raise(kind="k", title="t", urgency="immediate")
    services.policy_set(
        urgency="immediate",
        steps=[{"action": "user", "user": person("p9").pk, "wait_minutes": 0}],
        repeat=5,
        ack_window_minutes=1,
    )
    escalation.run_due(alert.pk, timezone.now() + timedelta(minutes=2))
    assert pages(alert) == [(0, 0, "p1"), (1, 0, "c1")]
    assert Alert.objects.get(pk=alert.pk).snapshot["repeat"] == 0


def test_acknowledgement_by_any_target_stops_escalation():
    person("p1"), person("c1", "coordinator")
    rota("p1")
    two_step_policy()
    alert = services.alert_raise(kind="k", title="t", urgency="immediate")
    p1 = Page.objects.get(alert=alert).user
    services.alert_acknowledge(alert=alert, actor=p1)
    assert escalation.run_due(alert.pk, timezone.now() + timedelta(hours=1)) == 0
    assert pages(alert) == [(0, 0, "p1")]
    assert list(AlertEvent.objects.filter(user=p1).values_list("seq", "type")) == [
        (1, "alert.paged"),
        (2, "alert.acknowledged"),
    ]
    with pytest.raises(services.AlertsError):
        services.alert_acknowledge(alert=alert, actor=p1)
    services.alert_resolve(alert=alert, actor=p1)
    assert Alert.objects.get(pk=alert.pk).state == "resolved"
    actions = set(
        AuditEntry.objects.filter(object_id=str(alert.pk)).values_list("action", flat=True)
    )
    assert {"alert.raised", "alert.acknowledged", "alert.resolved"} <= actions


def test_a_stale_retry_of_a_step_pages_nobody():
    person("p1"), person("c1", "coordinator")
    rota("p1")
    two_step_policy()
    alert = services.alert_raise(kind="k", title="t", urgency="immediate")
    later = timezone.now() + timedelta(minutes=2)
    Alert.objects.filter(pk=alert.pk).update(next_step_at=later - timedelta(minutes=1))
    stale = Alert.objects.get(pk=alert.pk)  # a task that loaded the alert, then was retried
    fresh = Alert.objects.get(pk=alert.pk)
    assert escalation.run_step(fresh, later) == 1
    assert escalation.run_step(stale, later) == 0
    assert pages(alert) == [(0, 0, "p1"), (1, 0, "c1")]
    assert StepRun.objects.filter(alert=alert).count() == 2


@pytest.mark.django_db(transaction=True)
def test_same_step_run_twice_concurrently_pages_once():
    person("p1"), person("c1", "coordinator"), person("c2", "coordinator")
    rota("p1")
    two_step_policy()
    alert = services.alert_raise(kind="k", title="t", urgency="immediate")
    due = timezone.now() + timedelta(minutes=1, seconds=5)
    barrier = threading.Barrier(4)
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(escalation.run_due(alert.pk, due))
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results) == [0, 0, 0, 2]  # one runner pages both coordinators
    assert pages(alert) == [(0, 0, "p1"), (1, 0, "c1"), (1, 0, "c2")]


def test_auditor_records_a_step_that_did_not_run():
    person("p1")
    rota("p1")
    alert = services.alert_raise(kind="k", title="t", urgency="urgent")
    Alert.objects.filter(pk=alert.pk).update(next_step_at=timezone.now() - timedelta(minutes=5))
    late = escalation.audit_overdue(timezone.now())
    assert late == [alert.pk]
    assert AuditEntry.objects.filter(action="alert.step_late", object_id=str(alert.pk)).exists()


def test_publish_refuses_a_gap_and_an_unreachable_member():
    person("p1")
    create_user("p9", "prosecutor")  # no channel
    with pytest.raises(services.AlertsError) as info, translation.override("en"):
        rota("p1", "p9")
    assert "p9 has no way to be reached" in str(info.value)
    schedule = Schedule.objects.get(name="default")
    assert not schedule.published and not schedule.layers.exists()  # nothing stored
    services.schedule_set(
        name="default",
        usernames=["p1"],
        handoff=time(9, 0),
        rotation="daily",
        start=timezone.localdate(),
        publish=False,
    )
    schedule.layers.update(window_start=time(8, 0), window_end=time(20, 0))
    with translation.override("en"):
        problems = services.publish_problems(Schedule.objects.get(name="default"))
    assert problems and problems[0].startswith("nobody is on call at")
    assert "UTC+" in problems[0]  # the instant names its zone


def test_nobody_on_call_falls_back_to_coordinators():
    person("c1", "coordinator")
    alert = services.alert_raise(kind="k", title="t", urgency="routine")
    assert pages(alert) == [(0, 0, "c1")]


def test_step_targets_skip_inactive_users_then_fall_back_to_coordinators_then_admins():
    now = timezone.now()
    p1, p2 = person("p1"), person("p2")
    admin = person("a1", "admin")
    step = {"action": "users", "users": [p2.pk, p1.pk]}
    assert escalation.targets_of(step, now) == [p2.pk, p1.pk]  # the step's order
    p2.is_active = False
    p2.save()
    assert escalation.targets_of(step, now) == [p1.pk]
    p1.is_active = False
    p1.save()
    assert escalation.targets_of(step, now) == [admin.pk]  # no coordinator: the admins
    c2, c1 = person("c2", "coordinator"), person("c1", "coordinator")
    assert escalation.targets_of(step, now) == sorted([c1.pk, c2.pk])
    assert escalation.targets_of({"action": "coordinators"}, now) == sorted([c1.pk, c2.pk])


def test_default_policies_exist_on_a_fresh_node():
    assert set(EscalationPolicy.objects.values_list("urgency", flat=True)) == {
        "immediate",
        "urgent",
        "routine",
    }


def test_alert_ack_handler_stores_who_acknowledged():
    ref = "7d0f1a6e-0000-4000-8000-00000000000a"

    body: AlertAck = {
        "ref": ref,
        "at": "2026-11-28T03:00:00Z",
        "by": {"role": "prosecutor", "name": "A. B."},
    }
    msg = Received(
        envelope_id="7d0f1a6e-0000-4000-8000-000000000001",
        origin="KZ",
        type="alert.ack",
        thread=ref,
        in_reply_to=None,
        handling="H0",
        key_id="KZ:test",
        body=body,
        envelope={},
        receipt={},
        received_at=timezone.now(),
    )
    sources.on_alert_ack(msg)
    sources.on_alert_ack(msg)  # a repeat stores nothing more
    acks = selectors.acks_for([ref, "other"])
    assert list(acks) == [ref]
    assert acks[ref][0]["by"] == "KZ prosecutor A. B."
    assert acks[ref][0]["at"].startswith("2026-11-28T03:00:00")
