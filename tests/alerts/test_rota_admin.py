"""Rota and escalation policies edited by coordinators: the services (shared with the
`oncall` CLI), the calendar, the pages' permissions and their errors in ru and en."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation

from accounts.models import User
from alerts import escalation, rota_selectors, rota_services, selectors, services
from alerts.errors import AlertsError
from alerts.models import Delivery, EscalationPolicy, Layer, Override, PeerContact, Schedule
from alerts.rota_services import LayerInput
from audit.models import AuditEntry
from tests.accounts.helpers import create_user, verified_client
from tests.alerts.factories import person, rota

pytestmark = pytest.mark.django_db


def local(day_offset: int, hour: int) -> datetime:
    zone = selectors.node_zone()
    day = timezone.localdate() + timedelta(days=day_offset)
    return datetime.combine(day, time(hour, 0), tzinfo=zone)


def daily(*names: str, **kwargs: object) -> LayerInput:
    values: dict[str, object] = {
        "usernames": list(names),
        "rotation": "daily",
        "handoff": time(9, 0),
        "start": timezone.localdate() - timedelta(days=3),
    }
    values.update(kwargs)
    return LayerInput(**values)  # type: ignore[arg-type]


def test_a_rotation_is_added_changed_and_deleted_with_audit_entries() -> None:
    person("p1"), person("p2"), person("p3")
    schedule = rota_services.schedule_create(name="night")
    layer = rota_services.layer_save(schedule=schedule, data=daily("p1", "p2"))
    assert rota_selectors.layer_usernames(layer) == ["p1", "p2"]
    rota_services.layer_save(schedule=schedule, data=daily("p3", "p1"), layer=layer)
    layer.refresh_from_db()
    assert rota_selectors.layer_usernames(layer) == ["p3", "p1"]
    rota_services.layer_delete(layer=layer)
    assert not Layer.objects.exists()
    actions = list(
        AuditEntry.objects.filter(action__startswith="rota.").values_list("action", flat=True)
    )
    assert actions == [
        "rota.created",
        "rota.layer_added",
        "rota.layer_changed",
        "rota.layer_deleted",
    ]


def test_bad_rotations_are_refused_on_the_field_that_is_wrong() -> None:
    person("p1")
    create_user("aud", "auditor")
    schedule = rota_services.schedule_create(name="night")
    cases = [
        (daily(), "members"),
        (daily("p1", "p1"), "members"),
        (daily("ghost"), "members"),
        (daily("aud"), "members"),
        (daily("p1", rotation="hourly"), "rotation"),
        (daily("p1", window_start=time(8, 0)), "window_end"),
    ]
    for data, field in cases:
        with pytest.raises(AlertsError) as info:
            rota_services.layer_save(schedule=schedule, data=data)
        assert info.value.field == field
    assert not Layer.objects.exists()


def test_a_published_rota_refuses_an_edit_that_leaves_a_gap_and_keeps_what_it_had() -> None:
    person("p1"), person("p2")
    rota("p1", "p2")
    schedule = Schedule.objects.get(name="default")
    layer = schedule.layers.get()
    with pytest.raises(AlertsError) as info:
        rota_services.layer_save(
            schedule=schedule,
            data=daily("p1", window_start=time(8, 0), window_end=time(20, 0)),
            layer=layer,
        )
    assert info.value.field == "schedule"
    layer.refresh_from_db()
    assert layer.window_start is None and len(layer.member_ids) == 2
    with pytest.raises(AlertsError):
        rota_services.layer_delete(layer=layer)
    assert Layer.objects.filter(pk=layer.pk).exists()
    assert not AuditEntry.objects.filter(action="rota.layer_deleted").exists()
    # An unpublished rota takes the same edit; publishing is the check.
    draft = rota_services.schedule_create(name="draft")
    rota_services.layer_save(
        schedule=draft, data=daily("p1", window_start=time(8, 0), window_end=time(20, 0))
    )
    with pytest.raises(AlertsError):
        services.schedule_publish(schedule=draft)


def test_overrides_cover_someone_and_are_changed_and_deleted() -> None:
    person("p1"), person("p2")
    rota("p1")
    schedule = Schedule.objects.get(name="default")
    override = rota_services.override_save(
        schedule=schedule, username="p2", start=local(1, 10), end=local(1, 14)
    )
    assert selectors.on_call_ids("default", local(1, 11)) == [override.user_id]
    words = rota_selectors.override_words(override)
    assert words["user"] == "p2" and words["covered"] == ["p1"]
    rota_services.override_save(
        schedule=schedule, username="p2", start=local(2, 10), end=local(2, 14), override=override
    )
    assert selectors.on_call_ids("default", local(1, 11)) != [override.user_id]
    with pytest.raises(AlertsError) as info:
        rota_services.override_save(
            schedule=schedule, username="p2", start=local(2, 14), end=local(2, 10)
        )
    assert info.value.field == "end"
    rota_services.override_delete(override=override)
    assert not Override.objects.exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"rota.override_added", "rota.override_changed", "rota.override_deleted"} <= actions


def test_the_cli_goes_through_the_same_services() -> None:
    person("p1"), person("p2")
    rota("p1")
    start = local(1, 10).isoformat()
    end = local(1, 12).isoformat()
    call_command("oncall", "override", "--user", "p2", "--from", start, "--to", end)
    assert Override.objects.get().user.username == "p2"
    assert AuditEntry.objects.filter(action="rota.override_added").count() == 1
    call_command("oncall", "contact", "--country", "kz", "--name", "Duty", "--phone", "+7 700")
    assert PeerContact.objects.get().country == "KZ"
    assert AuditEntry.objects.filter(action="alert.peer_contact_added").count() == 1


def test_the_calendar_names_people_and_who_an_override_covers() -> None:
    person("p1"), person("p2")
    ann = named_person("ann", "Анна", "Ким")
    rota("p1", "p2")
    schedule = Schedule.objects.get(name="default")
    rota_services.override_save(
        schedule=schedule, username=ann.username, start=local(1, 10), end=local(1, 14)
    )
    days = rota_selectors.calendar(schedule, timezone.localdate(), 3, timezone.now())
    assert [d.today for d in days] == [True, False, False]
    tomorrow = days[1].shifts
    covering = [s for s in tomorrow if s.override]
    assert [(s.start_label, s.end_label, s.names) for s in covering] == [
        ("10:00", "14:00", ["Анна Ким (ann)"])
    ]
    assert covering[0].covered in (["p1"], ["p2"])
    assert tomorrow[-1].end_label == "24:00"
    assert all(s.names for d in days for s in d.shifts)  # no gap, no ids


def named_person(username: str, first: str, last: str) -> User:
    user = person(username)
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def test_a_step_with_a_channel_pages_by_that_channel_only() -> None:
    person("p1", webhook="https://hooks.example.org/p1")
    rota("p1")
    services.policy_set(
        urgency="urgent",
        steps=[{"action": "schedule", "schedule": "default", "wait_minutes": 5,
                "channels": ["webhook"]}],
        repeat=0,
        ack_window_minutes=60,
    )  # fmt: skip
    assert EscalationPolicy.objects.get(urgency="urgent").steps[0]["channels"] == ["webhook"]
    alert = services.alert_raise(kind="k", title="t", urgency="urgent")
    kinds = list(Delivery.objects.filter(page__alert=alert).values_list("channel__kind", flat=True))
    assert kinds == ["webhook"]
    # Without channels a step pages by every channel (old policies and snapshots).
    assert escalation.snapshot_for("routine", None)["steps"][0].get("channels") is None
    with pytest.raises(AlertsError):
        services.policy_set(
            urgency="urgent",
            steps=[{"action": "coordinators", "wait_minutes": 5, "channels": ["sms"]}],
            repeat=0,
            ack_window_minutes=60,
        )


def test_policy_steps_in_words() -> None:
    services.policies_ensure_defaults()
    with translation.override("en"):
        rows = rota_selectors.policies()
        assert rows[0]["steps"][0] == (
            "Page the person on call in the rota “default” on the duty desk and by every "
            "channel they have (e-mail, webhook); if nobody acknowledges within 5 minutes, "
            "go on."
        )
    with translation.override("ru"):
        assert "5 минут" in rota_selectors.policies()[0]["steps"][0]


# --- pages ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["prosecutor", "auditor"])
def test_only_coordinators_see_or_change_the_rota_and_policies(client: Client, role: str) -> None:
    person("p1")
    rota("p1")
    verified_client(client, create_user("x", role))
    schedule = Schedule.objects.get()
    layer = schedule.layers.get()
    for url in (
        "/alerts/rota/",
        "/alerts/policies/",
        "/alerts/policies/urgent/",
        "/alerts/rota/default/rotations/new/",
        "/alerts/rota/default/overrides/new/",
    ):
        assert client.get(url).status_code == 403, url  # fmt: skip
    posts = {
        "/alerts/rota/new/": {"name": "x"},
        "/alerts/rota/default/overrides/new/": {"user": "p1"},
        f"/alerts/rota/default/rotations/{layer.pk}/delete/": {},
        "/alerts/policies/urgent/": {},
        "/alerts/rota/default/publish/": {},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    assert Layer.objects.filter(pk=layer.pk).exists()
    assert not Schedule.objects.filter(name="x").exists()


def test_a_coordinator_adds_a_rotation_and_an_override_through_the_pages(client: Client) -> None:
    person("p1"), person("p2")
    coordinator = person("c1", "coordinator")
    verified_client(client, coordinator)
    assert client.post("/alerts/rota/new/", {"name": "night"}).status_code == 302
    again = client.post("/alerts/rota/new/", {"name": "night"})
    assert again.status_code == 400
    assert 'id="id_name_error"' in again.content.decode()
    assert "График с таким названием уже есть." in again.content.decode()
    answer = client.post(
        "/alerts/rota/night/rotations/new/",
        {"member_1": "p1", "member_2": "p2", "rotation": "daily", "handoff": "09:00",
         "start": (timezone.localdate() - timedelta(days=1)).isoformat(), "order": "0"},
    )  # fmt: skip
    assert answer.status_code == 302
    assert Layer.objects.get().schedule.name == "night"
    start = local(1, 10).strftime("%Y-%m-%dT%H:%M")
    end = local(1, 18).strftime("%Y-%m-%dT%H:%M")
    answer = client.post(
        "/alerts/rota/night/overrides/new/", {"user": "c1", "start": start, "end": end}
    )
    assert answer.status_code == 302
    override = Override.objects.get()
    assert override.start == local(1, 10)
    page = client.get("/alerts/rota/?rota=night").content.decode()
    assert "p1" in page and "c1" in page and "10:00–18:00" in page
    publish = client.post("/alerts/rota/night/publish/", follow=True)
    assert Schedule.objects.get(name="night").published, publish.content.decode()
    assert AuditEntry.objects.filter(action="rota.published", actor="c1").exists()
    # The only rotation of a published rota cannot go: the refusal is shown, nothing lost.
    layer = Layer.objects.get()
    refused = client.post(f"/alerts/rota/night/rotations/{layer.pk}/delete/", follow=True)
    assert "График опубликован" in refused.content.decode()
    assert Layer.objects.filter(pk=layer.pk).exists()
    client.post(f"/alerts/rota/night/overrides/{override.pk}/delete/")
    assert not Override.objects.exists()


@pytest.mark.parametrize(
    ("language", "required", "order"),
    [("ru", "Обязательное поле.", "Окончание должно быть позже начала."),
     ("en", "This field is required.", "The end must be after the start.")],
)  # fmt: skip
def test_form_errors_are_next_to_the_field_in_the_users_language(
    client: Client, language: str, required: str, order: str
) -> None:
    person("p1")
    rota("p1")
    verified_client(client, person("c1", "coordinator"))
    client.cookies["django_language"] = language
    answer = client.post(
        "/alerts/rota/default/rotations/new/", {"rotation": "daily", "handoff": "25:00"}
    )
    assert answer.status_code == 400
    text = answer.content.decode()
    assert 'id="id_member_1_error"' in text and required in text
    start = local(1, 14).strftime("%Y-%m-%dT%H:%M")
    end = local(1, 10).strftime("%Y-%m-%dT%H:%M")
    answer = client.post(
        "/alerts/rota/default/overrides/new/", {"user": "p1", "start": start, "end": end}
    )
    text = answer.content.decode()
    assert answer.status_code == 400 and 'id="id_end_error"' in text and order in text
    assert f'value="{start}"' in text  # nothing typed is lost
    answer = client.post(
        "/alerts/policies/urgent/",
        {"steps-TOTAL_FORMS": "1", "steps-INITIAL_FORMS": "0", "steps-0-action": "schedule",
         "steps-0-wait_minutes": "5", "repeat": "1", "ack_window_minutes": "60"},
    )  # fmt: skip
    assert answer.status_code == 400 and 'id="id_steps-0-schedule_error"' in answer.content.decode()


def test_a_coordinator_edits_a_policy_and_reads_it_in_words(client: Client) -> None:
    person("p1", webhook="https://hooks.example.org/p1")
    rota("p1")
    services.policies_ensure_defaults()
    verified_client(client, person("c1", "coordinator"))
    client.cookies["django_language"] = "en"
    form = client.get("/alerts/policies/immediate/").content.decode()
    assert 'name="steps-0-action"' in form and "steps-3-action" in form  # two blank rows
    answer = client.post(
        "/alerts/policies/immediate/",
        {"steps-TOTAL_FORMS": "2", "steps-INITIAL_FORMS": "0",
         "steps-0-action": "schedule", "steps-0-schedule": "default", "steps-0-wait_minutes": "5",
         "steps-0-channel": "webhook", "steps-1-action": "", "repeat": "2",
         "ack_window_minutes": "15"},
    )  # fmt: skip
    assert answer.status_code == 302
    policy = EscalationPolicy.objects.get(urgency="immediate")
    assert policy.steps == [{"action": "schedule", "wait_minutes": 5, "schedule": "default",
                             "channels": ["webhook"]}]  # fmt: skip
    assert rota_selectors.policy("immediate") == policy  # what the form opens with
    assert 'value="webhook" selected' in client.get("/alerts/policies/immediate/").content.decode()
    EscalationPolicy.objects.filter(urgency="routine").delete()
    assert rota_selectors.policy("routine") is None
    page = client.get("/alerts/policies/").content.decode()
    assert "if nobody acknowledges within 5 minutes" in page and "by webhook" in page
    assert AuditEntry.objects.filter(action="alert.policy_changed", actor="c1").exists()


def test_a_coordinator_adds_a_way_to_wake_someone(client: Client) -> None:
    create_user("nochan", "prosecutor")
    verified_client(client, person("c1", "coordinator"))
    page = client.get("/alerts/rota/reach/").content.decode()
    assert "Пока нет способа разбудить." in page and "nochan" in page
    bad = client.post("/alerts/rota/reach/", {"user": "nochan", "kind": "email", "target": "x"})
    assert bad.status_code == 400 and "нужен адрес электронной почты" in bad.content.decode()
    assert 'value="x"' in bad.content.decode()
    client.post(
        "/alerts/rota/reach/", {"user": "nochan", "kind": "email", "target": "n@example.org"}
    )
    assert services.reachable(User.objects.get(username="nochan"))
    entry = AuditEntry.objects.get(action="alert.channel_added", actor="c1")
    assert entry.details == {"kind": "email"}
    verified_client(client, create_user("aud", "auditor"))
    assert client.get("/alerts/rota/reach/").status_code == 403
    assert client.post("/alerts/rota/reach/", {"user": "aud"}).status_code == 403


def test_a_long_rotation_made_by_the_cli_is_edited_without_losing_anyone(client: Client) -> None:
    names = [f"m{n}" for n in range(10)]
    for name in names:
        person(name)
    call_command("oncall", "set", "--users", ",".join(names), "--handoff", "00:00")
    layer = Layer.objects.get()
    verified_client(client, person("c1", "coordinator"))
    form = client.get(f"/alerts/rota/default/rotations/{layer.pk}/").content.decode()
    assert 'name="member_10"' in form and 'name="member_12"' in form
    data = {f"member_{n}": name for n, name in enumerate(reversed(names), start=1)}
    data.update(rotation="daily", handoff="00:00", start=layer.start.isoformat(), order="0")
    assert client.post(f"/alerts/rota/default/rotations/{layer.pk}/", data).status_code == 302
    layer.refresh_from_db()
    assert rota_selectors.layer_usernames(layer) == list(reversed(names))


def test_a_coordinator_removes_a_way_to_wake_someone_unless_a_published_rota_needs_it(
    client: Client,
) -> None:
    p1 = person("p1", webhook="https://hooks.example.org/p1")
    person("p2")
    rota("p1", "p2")
    verified_client(client, person("c1", "coordinator"))
    page = client.get("/alerts/rota/reach/").content.decode()
    email, webhook = (p1.alert_channels.get(kind=k) for k in ("email", "webhook"))
    assert f"/alerts/rota/reach/channels/{webhook.pk}/remove/" in page and "Удалить" in page

    # p1 keeps the e-mail: the webhook goes, audited, and the page no longer lists it.
    response = client.post(f"/alerts/rota/reach/channels/{webhook.pk}/remove/", follow=True)
    assert "больше не будят" in response.content.decode()
    assert "hooks.example.org" not in response.content.decode()
    webhook.refresh_from_db()
    assert not webhook.active and services.reachable(p1)
    entry = AuditEntry.objects.get(action="alert.channel_removed", actor="c1")
    assert entry.details == {"kind": "webhook"} and entry.object_id == str(p1.pk)

    # The last way of a member of the published rota: refused, nothing changed.
    response = client.post(f"/alerts/rota/reach/channels/{email.pk}/remove/", follow=True)
    assert "Не удалено" in response.content.decode()
    email.refresh_from_db()
    assert email.active and AuditEntry.objects.filter(action="alert.channel_removed").count() == 1

    # Off the rota, the same removal goes through; twice is refused by the service.
    rota("p2")
    rota_services.channel_remove(channel=email)
    assert not services.reachable(p1)
    with pytest.raises(AlertsError):
        rota_services.channel_remove(channel=email)
    assert client.post(f"/alerts/rota/reach/channels/{email.pk}/remove/").status_code == 404
    verified_client(client, create_user("aud", "auditor"))
    assert client.post(f"/alerts/rota/reach/channels/{webhook.pk}/remove/").status_code == 403


@pytest.mark.parametrize("hours_ahead", [1, 23])
def test_the_cli_without_a_start_covers_now_whatever_the_hand_off_hour(hours_ahead: int) -> None:
    """A 09:00 hand-off set up at 03:00 begins with the shift already running, not a gap."""
    person("p1"), person("p2")
    handoff = (
        (timezone.localtime() + timedelta(hours=hours_ahead))
        .time()
        .replace(second=0, microsecond=0)
    )
    call_command("oncall", "set", "--users", "p1,p2", "--handoff", handoff.strftime("%H:%M"))
    schedule = Schedule.objects.get(name="default")
    assert schedule.published
    assert selectors.on_call_ids("default") == [User.objects.get(username="p1").pk]
