"""The first minutes: where each role lands after the real login (password + TOTP), and
what the home page counts for a prosecutor and a coordinator."""

from __future__ import annotations

import time
from datetime import time as clock
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from alerts import services as alerts
from alerts.models import Alert
from cases import services as cases
from cases.models import InboundItem
from cases.takedowns import takedown_status_report
from tests.accounts.helpers import PASSWORD, create_user, totp_code, verified_client
from tests.test_pages_errors import MD, kz, post  # noqa: F401 (kz is a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def mid_step(settings: Any) -> None:
    """At least 4 s left in the 30-s step (a code computed now is still valid when
    posted); no throttle between logins."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    left = 30 - (time.time() % 30)
    if left < 4:
        time.sleep(left + 0.1)


def on_call(*usernames: str, schedule: str = "default") -> None:
    """A published daily rota of these users, the first on call now."""
    alerts.schedule_set(
        name=schedule,
        usernames=list(usernames),
        handoff=clock(0, 0),
        rotation="daily",
        start=timezone.localdate(),
    )


def log_in(user: User, next_url: str = "") -> tuple[Client, str]:
    """The real pages: password, then the TOTP code; follows the redirects to the end."""
    client = Client()
    login = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
    step = client.post(login, {"username": user.username, "password": PASSWORD})
    assert step.status_code == 302, step.content
    done = client.post(step["Location"], {"code": totp_code(user)}, follow=True)
    assert done.status_code == 200
    return client, done.redirect_chain[-1][0]


def test_on_call_prosecutor_and_coordinator_land_on_the_duty_desk() -> None:
    duty = create_user("p.duty", "prosecutor")
    create_user("p.off", "prosecutor")
    coordinator = create_user("c.duty", "coordinator")
    for user in (duty, coordinator):
        alerts.channel_add(user=user, kind="email", target=f"{user.username}@example.org")
    on_call("p.duty")
    on_call("c.duty", schedule="coordinators")
    client, landed = log_in(duty)
    assert landed == "/alerts/"
    # Once: the home page is there to come back to.
    assert client.get("/").status_code == 200
    assert log_in(coordinator)[1] == "/alerts/"


def test_off_duty_people_land_home_and_an_auditor_on_the_audit_log() -> None:
    off = create_user("p.off", "prosecutor")
    coordinator = create_user("c.off", "coordinator")
    auditor = create_user("a.log", "auditor")
    assert log_in(off)[1] == "/"
    assert log_in(coordinator)[1] == "/"
    assert log_in(auditor)[1] == "/audit/"


def test_a_page_asked_for_wins_over_the_landing() -> None:
    auditor = create_user("a.next", "auditor")
    assert log_in(auditor, next_url="/legal-map/")[1] == "/legal-map/"


def test_prosecutor_home_counts_unacknowledged_alerts_that_paged_them() -> None:
    mine = create_user("p.mine", "prosecutor")
    other = create_user("p.other", "prosecutor")
    first = alerts.alert_raise(kind="k1", title="Первая", urgency="urgent", users=[mine])
    alerts.alert_raise(kind="k2", title="Вторая", urgency="routine", users=[mine])
    alerts.alert_raise(kind="k3", title="Чужая", urgency="urgent", users=[other])
    alerts.alert_acknowledge(alert=Alert.objects.get(pk=first.pk), actor=mine)
    response = verified_client(Client(), mine).get("/")
    body = response.content.decode()
    assert response.context["awaiting"]["unacknowledged"] == 1
    assert (
        '<li id="await-alerts"><span class="badge count">1</span>\n      <a href="/alerts/">'
        in body
    )
    assert "непринятая тревога, по которой вызвали вас" in body
    assert "Вы сейчас не дежурите" in body
    assert 'id="await-unassigned"' not in body  # a coordinator's figures


def test_coordinator_home_counts_alerts_unassigned_items_and_undecided_takedowns(
    kz: None,  # noqa: F811
) -> None:
    coordinator = create_user("c.home", "coordinator")
    prosecutor = create_user("p.home", "prosecutor", "cyber")
    post(MD.envelope(["KZ"], type="case.notification", body=notification("MD-2026-0001")))
    post(MD.envelope(["KZ"], type="case.notification", body=notification("MD-2026-0002")))
    post(MD.envelope(["KZ"], type="takedown.request", body=TAKEDOWN))
    client = verified_client(Client(), coordinator)
    awaiting = client.get("/").context["awaiting"]
    assert awaiting == {
        "on_call": False,
        "unacknowledged": Alert.objects.filter(state="triggered", group__isnull=True).count(),
        "unassigned": 3,
        "takedowns_undecided": 1,
    }
    assert awaiting["unacknowledged"] >= 2  # the notifications' group and the takedown

    notified = InboundItem.objects.get(ref="MD-2026-0001")
    cases.inbound_assign(actor=coordinator, item=notified, user=prosecutor)
    takedown = InboundItem.objects.get(kind="takedown")
    for target in ("cam-work.example", "cam-work-mirror.example"):
        takedown_status_report(actor=coordinator, item=takedown, target=target, status="blocked")
    response = client.get("/")
    assert response.context["awaiting"] == {
        **awaiting,
        "unassigned": 1,  # the other notification (deciding moved the takedown on)
        "takedowns_undecided": 0,
    }
    body = response.content.decode()
    takedowns = (
        '<span class="badge count zero">0</span>\n      <a href="/cases/inbound/?kind=takedown">'
    )
    assert takedowns in body
    assert "входящий документ ещё не назначен" in body
    client.cookies["django_language"] = "en"
    body = client.get("/").content.decode()
    assert "received item not yet assigned" in body and "takedown requests awaiting" in body

    # Acknowledging an item's alert takes the item: nothing awaits any more.
    for alert in Alert.objects.filter(state="triggered", group__isnull=True):
        alerts.alert_acknowledge(alert=alert, actor=coordinator)
    assert client.get("/").context["awaiting"] == {
        "on_call": False,
        "unacknowledged": 0,
        "unassigned": 0,
        "takedowns_undecided": 0,
    }


def notification(ref: str) -> dict[str, Any]:
    return {
        "case_ref": ref,
        "title": "Вербовка веб-моделей",
        "summary": "Объявления в Telegram",
        "offence": {"country": "MD", "code": "CC", "article": "220/1", "part": "1"},
        "facts": ["adult_victim", "online"],
        "indicators": [],
        "urgency": "urgent",
    }


TAKEDOWN = {
    "request_ref": "MD-TD-2026-0001",
    "targets": [{"domain": "cam-work.example"}, {"domain": "cam-work-mirror.example"}],
    "legal_basis": {"country": "MD", "code": "CC", "article": "220/1"},
    "requested_action": "block",
    "urgency": "urgent",
}


def test_demo_progress_lines_carry_the_elapsed_seconds() -> None:
    from io import StringIO

    from deploy.federation import Progress

    ticks = iter([100.0, 100.0, 112.34])
    out = StringIO()
    progress = Progress(out, clock=lambda: next(ticks))
    progress("KZ: migrating...")
    progress("KZ: migrated, legal map loaded")
    assert out.getvalue().splitlines() == [
        "[  0.0 s] KZ: migrating...",
        "[ 12.3 s] KZ: migrated, legal map loaded",
    ]


def test_demo_summary_leads_with_the_duty_desks_and_who_is_on_call(tmp_path: Any) -> None:
    """What tests/deploy/test_demo.py parses: the desk line, then the on-call login."""
    import re

    from deploy.demo import summary_lines
    from deploy.federation import Node

    nodes = [Node("KZ", 8001, tmp_path / "kz", {}), Node("KG", 8002, tmp_path / "kg", {})]
    logins = {
        "KZ": {
            "kz-duty": {"role": "prosecutor", "password": "demo-aa-kz", "totp_secret": "S1"},
            "kz-coord": {"role": "coordinator", "password": "demo-bb-kz", "totp_secret": "S2"},
        },
        "KG": {"kg-duty": {"role": "prosecutor", "password": "demo-cc-kg", "totp_secret": "S3"}},
    }
    text = "\n".join(summary_lines(nodes, logins, {"KZ": ["kz-duty"], "KG": None}, 83.4))
    lead, table = text.split("Every account")
    assert lead.startswith("net247 demo federation is up after 83 s.")
    desk = re.search(r"KZ duty desk: http://127.0.0.1:8001/alerts/\s+on call now: (\S+)", lead)
    assert desk and desk.group(1) == "kz-duty"
    login = re.search(r"prosecutor\s+kz-duty\s+password (\S+)", lead)
    assert login and login.group(1) == "demo-aa-kz"
    assert "KG duty desk: http://127.0.0.1:8002/alerts/   on call now: unknown" in lead
    assert "TOTP code" in lead and "demo node shows" in lead
    assert "kz-coord" not in lead and "kz-coord" in table and "TOTP secret S2" in table
    assert text.rstrip().endswith("Ctrl-C stops every node.")
