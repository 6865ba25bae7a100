"""Channels behind one interface; what a page says; what a policy may name.

Real parts: an aiosmtpd SMTP server and an HTTP receiver on loopback (the fixtures of
test_delivery.py), the real services and the real registry.
"""

from __future__ import annotations

import email
import email.policy
import time
from email.message import EmailMessage
from typing import Any

import pytest
from django.conf import settings

from accounts.models import User
from alerts import channels, delivery, escalation, services
from alerts.channels import message
from alerts.models import Alert, Delivery, EscalationPolicy, NotificationChannel, Schedule
from alerts.snapshot import Snapshot, Step
from audit.models import AuditEntry
from tests.accounts.helpers import create_user
from tests.alerts.factories import person, rota
from tests.alerts.test_delivery import Inbox, Receiver, receiver, smtp  # noqa: F401

pytestmark = pytest.mark.django_db

ORIGINAL_WEBHOOK_KEYS = {
    "node", "alert", "kind", "title", "summary", "urgency", "origin", "created_at", "step",
    "repeat", "delivery",
}  # fmt: skip


def mails(inbox: Inbox, count: int, timeout: float = 5) -> list[tuple[list[str], EmailMessage]]:
    deadline = time.monotonic() + timeout
    while len(inbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return [
        (
            list(m.rcpt_tos),
            email.message_from_bytes(m.content, policy=email.policy.default),
        )
        for m in inbox.messages
    ]


def body_of(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


# --- the registry and channel_add ------------------------------------------------------


def test_the_registry_knows_email_and_webhook_and_raises_for_anything_else() -> None:
    assert channels.kinds() == ["email", "webhook"]
    assert channels.get("email").kind == "email"
    with pytest.raises(channels.UnknownChannel) as info:
        channels.get("sms")
    assert info.value.field == "kind"
    assert isinstance(info.value, services.AlertsError)


def test_channel_add_refuses_an_unknown_kind_and_bad_targets() -> None:
    user = create_user("p1", "prosecutor")
    for kind, target, field in [
        ("sms", "+77000000000", "kind"),
        ("email", "not an address", "target"),
        ("email", "a@b@c", "target"),
        ("webhook", "ftp://gateway.example/hook", "target"),
        ("webhook", "https:///no-host", "target"),
    ]:
        with pytest.raises(services.AlertsError) as info:
            services.channel_add(user=user, kind=kind, target=target)
        assert info.value.field == field, (kind, target)
    assert not NotificationChannel.objects.exists()
    assert not services.reachable(user)
    services.channel_add(user=user, kind="webhook", target="https://gateway.example/hook")
    assert services.reachable(user)


def test_a_row_of_an_unknown_kind_is_failed_and_audited_never_posted(receiver: str) -> None:  # noqa: F811
    person("p1", webhook=receiver)
    rota("p1")
    # A kind nothing registers, written straight to the row (by hand, or an old channel).
    NotificationChannel.objects.filter(kind="webhook").update(kind="sms")
    alert = services.alert_raise(kind="peer_silent", title="KZ silent", urgency="immediate")
    row = Delivery.objects.get(page__alert=alert, channel__kind="sms")
    assert delivery.deliver(row.pk) == "failed"
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error.startswith("UnknownChannel")
    assert Receiver.calls == 0  # never posted as a webhook
    entry = AuditEntry.objects.get(action="alert.delivery_failed", object_id=str(alert.pk))
    assert entry.outcome == "failure" and entry.details["channel"] == "sms"
    assert delivery.deliver(row.pk) == "skipped"  # failed is final
    # The e-mail of the same page went its own way.
    assert Delivery.objects.get(page__alert=alert, channel__kind="email").status == "queued"


def test_only_a_known_kind_makes_a_person_reachable() -> None:
    user = person("p1")
    NotificationChannel.objects.filter(user=user).update(kind="sms")
    assert not services.reachable(user)


# --- what a page says ------------------------------------------------------------------


def test_a_title_with_a_newline_still_emails_through_a_real_smtp_server(smtp: Inbox) -> None:  # noqa: F811
    person("p1", email="duty@prosecutor.example")
    rota("p1")
    alert = services.alert_raise(
        kind="inbound_notification",
        title="MD X-7\r\nBcc: intruder@evil.example\n\x07second line",
        urgency="urgent",
        origin="MD",
    )
    row = Delivery.objects.get(page__alert=alert)
    assert delivery.deliver(row.pk) == "sent"
    [(rcpt, mail)] = mails(smtp, 1)
    assert rcpt == ["duty@prosecutor.example"]  # no header smuggled in
    subject = str(mail["Subject"]).strip()  # the parser keeps the space of a folded line
    assert "\n" not in subject and "\r" not in subject and "\x07" not in subject
    assert "MD X-7 Bcc: intruder@evil.example second line" in subject
    assert mail["Bcc"] is None
    assert subject.startswith(f"[net247 {settings.NODE_COUNTRY}] Срочно: ")
    body = body_of(mail)
    assert f"{settings.NODE_URL}/alerts/{alert.pk}/" in body
    assert "Откройте тревогу и подтвердите её" in body


def test_webhook_keeps_its_keys_and_adds_link_words_and_the_group_count(
    receiver: str,  # noqa: F811
) -> None:
    person("p1", webhook=receiver)
    rota("p1")
    first = services.alert_raise(
        kind="inbound_notification", title="MD-2026-0001", urgency="urgent", origin="MD"
    )
    for n in (2, 3):  # same origin, kind and urgency: they join the first one's group
        services.alert_raise(
            kind="inbound_notification", title=f"MD-2026-000{n}", urgency="urgent", origin="MD"
        )
    assert Alert.objects.get(pk=first.pk).group_size == 3
    row = Delivery.objects.get(page__alert=first, channel__kind="webhook")
    assert delivery.deliver(row.pk) == "sent"
    [body] = Receiver.bodies
    assert ORIGINAL_WEBHOOK_KEYS | {"url", "kind_label", "urgency_label", "count"} <= set(body)
    assert body["url"] == f"{settings.NODE_URL}/alerts/{first.pk}/"
    assert (body["alert"], body["kind"], body["urgency"]) == (
        first.pk,
        "inbound_notification",
        "urgent",
    )
    assert body["urgency_label"] == "Срочно"
    assert body["kind_label"] and body["kind_label"] != "inbound_notification"
    assert body["count"] == 3
    assert "И ещё 2 такие же." in body["text"]
    assert body["url"] in body["text"]


def test_message_words_follow_the_node_language_and_name_the_kind(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
    person("p1")
    rota("p1")
    alert = services.alert_raise(
        kind="delivery_overdue", title="To KZ", urgency="immediate", summary="call +7 700"
    )
    row = Delivery.objects.select_related("page__alert", "page__user", "channel").get(
        page__alert=alert
    )
    composed = message.compose(row)
    assert composed.subject == (
        f"[net247 {settings.NODE_COUNTRY}] Immediate: Message still undelivered: To KZ"
    )
    assert "Open the alert and acknowledge it:" in composed.body
    assert "call +7 700" in composed.body
    assert composed.payload["count"] == 1 and "more like it" not in composed.body


def test_clean_line_removes_every_control_character_and_bounds_the_length() -> None:
    assert message.clean_line("a\r\nb\tc\x00d\u2028e\x85f") == "a b c d e f"
    long = message.clean_line("x" * 500)
    assert len(long) == message.SUBJECT_MAX and long.endswith("…")


# --- the snapshot ----------------------------------------------------------------------


def test_snapshot_reads_todays_unversioned_rows_and_writes_version_1() -> None:
    old = {
        "urgency": "urgent",
        "steps": [
            {"action": "users", "users": [3, 4], "wait_minutes": 15},
            {"action": "schedule", "schedule": "default", "wait_minutes": 15},
            {"action": "coordinators", "wait_minutes": 15},
            {"action": "user", "user": "7", "wait_minutes": 0.5},
        ],
        "repeat": 2,
        "ack_window_minutes": 60,
    }
    snap = Snapshot.from_json(old)
    assert snap.version == 1 and snap.repeat == 2 and snap.ack_window_minutes == 60
    assert snap.steps[0] == Step(action="users", wait_minutes=15, users=(3, 4))
    assert snap.steps[3] == Step(action="user", wait_minutes=0.5, user=7)
    again = Snapshot.from_json(snap.to_json())
    assert again == snap and snap.to_json()["version"] == 1
    with pytest.raises(services.AlertsError):
        Snapshot.from_json({**snap.to_json(), "version": 2})


def test_a_raised_alert_holds_a_versioned_snapshot() -> None:
    person("p1")
    rota("p1")
    alert = services.alert_raise(kind="k", title="t", urgency="urgent")
    stored = Alert.objects.get(pk=alert.pk).snapshot
    assert stored["version"] == 1
    assert Snapshot.from_json(stored).steps[0].action == "schedule"


def test_an_unreadable_stored_policy_pages_by_the_defaults() -> None:
    person("p1")
    rota("p1")
    EscalationPolicy.objects.filter(urgency="urgent").update(steps=[{"action": "pigeon"}])
    alert = services.alert_raise(kind="k", title="t", urgency="urgent")
    steps = escalation.DEFAULT_STEPS["urgent"][0]
    assert [s.action for s in Snapshot.from_json(alert.snapshot).steps] == [
        s["action"] for s in steps
    ]
    assert alert.pages.count() == 1


# --- what a policy may name ------------------------------------------------------------


def policy(*steps: dict[str, Any]) -> EscalationPolicy:
    return services.policy_set(urgency="urgent", steps=list(steps), repeat=1, ack_window_minutes=60)


def refused(*steps: dict[str, Any]) -> str:
    before = list(EscalationPolicy.objects.values_list("urgency", "steps"))
    with pytest.raises(services.AlertsError) as info:
        policy(*steps)
    assert info.value.field == "steps"
    assert list(EscalationPolicy.objects.values_list("urgency", "steps")) == before
    return str(info.value)


def test_policy_set_refuses_unknown_actions_negative_waits_and_missing_schedules() -> None:
    person("p1")
    rota("p1")
    assert "pigeon" in refused({"action": "pigeon", "wait_minutes": 1})
    assert "coordinators" in refused({"action": "users", "users": [1], "wait_minutes": 1})
    refused({"action": "coordinators", "wait_minutes": -1})
    refused({"action": "coordinators", "wait_minutes": "5"})
    assert "nights" in refused({"action": "schedule", "schedule": "nights", "wait_minutes": 5})
    with pytest.raises(services.AlertsError) as info:
        services.policy_set(urgency="urgent", steps=[], repeat=0, ack_window_minutes=1)
    assert info.value.field == "steps"
    with pytest.raises(services.AlertsError) as info:
        services.policy_set(
            urgency="urgent",
            steps=[{"action": "coordinators", "wait_minutes": 1}],
            repeat=-1,
            ack_window_minutes=1,
        )
    assert info.value.field == "repeat"


def test_policy_set_refuses_a_missing_or_inactive_user_and_one_with_no_channel() -> None:
    assert "999" in refused({"action": "user", "user": 999, "wait_minutes": 5})
    gone = person("p.gone")
    gone.is_active = False
    gone.save()
    assert f"№{gone.pk}" in refused({"action": "user", "user": gone.pk, "wait_minutes": 5})
    silent = create_user("p.silent", "prosecutor")  # no channel
    assert "p.silent" in refused({"action": "user", "user": silent.pk, "wait_minutes": 5})
    services.channel_add(user=silent, kind="email", target="silent@example.org")
    stored = policy({"action": "user", "user": silent.pk, "wait_minutes": 5})
    assert stored.steps == [{"action": "user", "user": silent.pk, "wait_minutes": 5}]


def test_a_coordinators_step_needs_every_active_coordinator_reachable() -> None:
    person("c1", "coordinator")
    create_user("c2", "coordinator")  # no channel
    problem = refused({"action": "coordinators", "wait_minutes": 5})
    assert "c2" in problem and "c1" not in problem
    c3 = create_user("c3", "coordinator")  # no channel either
    c2 = User.objects.get(username="c2")
    c2.is_active = False  # an inactive coordinator is never paged: not a problem
    c2.save()
    assert "c3" in refused({"action": "coordinators", "wait_minutes": 5})
    services.channel_add(user=c3, kind="email", target="c3@example.org")
    policy({"action": "coordinators", "wait_minutes": 5})


def test_publishing_a_rota_refuses_a_policy_whose_coordinators_cannot_be_woken() -> None:
    person("p1")
    c1 = create_user("c1", "coordinator")  # the default policies page the coordinators
    with pytest.raises(services.AlertsError) as info:
        rota("p1")
    assert "c1" in str(info.value)
    assert not Schedule.objects.filter(name="default", published=True).exists()
    services.channel_add(user=c1, kind="email", target="c1@example.org")
    rota("p1")
    assert Schedule.objects.get(name="default").published
