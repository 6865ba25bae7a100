"""Alerts between real node processes (MD and KZ on loopback, one federation per module).

MD's coordinator notifies KZ through the cases API; KZ's cases handler raises the alert;
the KZ prosecutor on call gets it on an open WebSocket, replays what he missed after a
reconnect, acknowledges it, and MD's thread shows the acknowledgement (alert.ack).
A KZ node killed with SIGKILL in the middle of an escalation neither loses the alert nor
pages anyone twice.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets
from websockets.typing import Origin

from deploy.federation import Federation
from tests import factories
from tests.accounts.helpers import PASSWORD
from tests.fednet import make_federation
from tests.polling import wait_for

pytestmark = pytest.mark.federation

ENV = {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
PEOPLE = {
    "MD": [("md.coord", "coordinator")],
    "KZ": [("kz.coord", "coordinator"), ("kz.p1", "prosecutor")],
}
# Five real nodes, as in production: KG, UZ and TJ only enrol and answer.
COUNTRIES = ["MD", "KZ", "KG", "UZ", "TJ"]
CASE: dict[str, Any] = {
    **factories.CASE,
    "title": "Вербовка веб-моделей через Telegram",
    "summary": "Объявления о «работе онлайн».",
    "indicators": [],
}


class World:
    def __init__(self, fed: Federation) -> None:
        self.fed = fed
        self.tokens: dict[str, str] = {}
        self.secrets: dict[str, str] = {}

    def api(self, user: str) -> httpx.Client:
        node = self.fed.node(user.split(".")[0].upper())
        return httpx.Client(
            base_url=node.url + "/api/v1",
            headers={"Authorization": f"Bearer {self.tokens[user]}"},
            timeout=15,
        )

    def ws_url(self, country: str) -> str:
        return self.fed.node(country).url.replace("http://", "ws://") + "/ws/alerts/"


def set_up(fed: Federation) -> World:
    world = World(fed)
    for country, people in PEOPLE.items():
        made = factories.people_on(fed.node(country), [(n, r, "") for n, r in people], paged=True)
        for name, person in made.items():
            world.tokens[name], world.secrets[name] = person
    fed.node("KZ").manage(
        "oncall", "set", "--schedule", "default", "--users", "kz.p1", "--handoff", "00:00",
        "--rotation", "daily",
    )  # fmt: skip
    return world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    fed = make_federation(COUNTRIES, tmp_path_factory.mktemp("alerts-fed"), env=ENV)
    try:
        yield set_up(fed)
    finally:
        fed.stop()
        fed.drop_databases()


def notify(world: World, urgency: str = "urgent", title: str = CASE["title"]) -> dict[str, Any]:
    md = world.api("md.coord")
    created = md.post("/cases/", json={**CASE, "urgency": urgency, "title": title})
    assert created.status_code == 201, created.text
    sent = md.post(f"/cases/{created.json()['id']}/notify/", json={"to": ["KZ"], "handling": "H1"})
    assert sent.status_code == 202, sent.text
    return dict(sent.json())


async def frames_until(ws: Any, count: int, timeout: float = 60) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        while len(got) < count:
            frame = json.loads(await ws.recv())
            if "seq" in frame:
                got.append(frame)
    return got


def ticket(world: World, user: str) -> str:
    answer = world.api(user).post("/alerts/ws-ticket/")
    assert answer.status_code == 201, answer.text
    return str(answer.json()["ticket"])


def test_live_alert_replay_on_reconnect_and_ack_back_to_origin(world: World) -> None:
    url = world.ws_url("KZ")
    origin = Origin(world.fed.node("KZ").url)

    async def first_session() -> tuple[list[dict[str, Any]], str]:
        token = ticket(world, "kz.p1")
        async with websockets.connect(url, origin=origin) as ws:
            await ws.send(json.dumps({"ticket": token, "last_seq": 0}))
            hello = json.loads(await ws.recv())
            assert hello["type"] == "hello" and hello["user"] == "kz.p1"
            sent = await asyncio.to_thread(notify, world, "urgent", "first")
            frames = await frames_until(ws, 1)
        return frames, sent["envelope_id"]

    frames, envelope_id = asyncio.run(first_session())
    assert frames[0]["type"] == "alert.paged" and frames[0]["seq"] == 1
    assert frames[0]["alert"]["origin"] == "MD"
    assert frames[0]["alert"]["envelope_id"] == envelope_id

    # While the desk is closed, a second notification arrives; on reconnect it is replayed.
    second = notify(world, "urgent", "second")
    kz = world.api("kz.p1")
    wait_for(lambda: len(kz.get("/alerts/").json()["results"]) >= 2)

    async def reconnect() -> tuple[list[dict[str, Any]], int | None]:
        async with websockets.connect(url, origin=origin) as ws:
            await ws.send(json.dumps({"ticket": ticket(world, "kz.p1"), "last_seq": 1}))
            replayed = await frames_until(ws, 1)
        used = ticket(world, "kz.p1")
        async with websockets.connect(url, origin=origin) as ws:
            await ws.send(json.dumps({"ticket": used, "last_seq": 0}))
            await ws.recv()
        code = None
        async with websockets.connect(url, origin=origin) as ws:  # the same ticket a second time
            await ws.send(json.dumps({"ticket": used, "last_seq": 0}))
            try:
                await asyncio.wait_for(ws.recv(), 5)
            except websockets.ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
        return replayed, code

    replayed, code = asyncio.run(reconnect())
    assert [(f["seq"], f["alert"]["envelope_id"]) for f in replayed] == [(2, second["envelope_id"])]
    assert code == 4401

    # The prosecutor acknowledges; MD's thread shows who and when.
    alert_id = frames[0]["alert"]["id"]
    acked = kz.post(f"/alerts/{alert_id}/ack/")
    assert acked.status_code == 200 and acked.json()["state"] == "acknowledged"
    assert kz.post(f"/alerts/{alert_id}/ack/").status_code == 400
    md = world.api("md.coord")

    def md_ack() -> Any:
        thread = md.get(f"/threads/{envelope_id}/")
        return thread.status_code == 200 and thread.json()["acks"].get(envelope_id)

    acks = wait_for(md_ack)
    assert acks[0]["country"] == "KZ" and acks[0]["role"] == "prosecutor"


def test_on_call_api_shows_the_duty_contacts(world: World) -> None:
    rows = world.api("kz.coord").get("/alerts/on-call/").json()
    default = next(r for r in rows if r["schedule"] == "default")
    assert default["published"] is True
    assert [(p["username"], p["phone"]) for p in default["on_call"]] == [
        ("kz.p1", "+7 700 000 0000")
    ]
    assert default["next_handoff"]


FAST_POLICY = """
from alerts import services
services.policy_set(urgency="immediate", steps=[
    {"action": "schedule", "schedule": "default", "wait_minutes": 0.05},
    {"action": "coordinators", "wait_minutes": 0.05}], repeat=1, ack_window_minutes=15)
"""
COUNT = """
import json
from alerts.models import Alert, Page, StepRun, AlertEvent
a = Alert.objects.get(envelope_id=%r)
pages = list(Page.objects.filter(alert=a).values_list("step", "repeat", "user__username"))
events = AlertEvent.objects.filter(alert=a, type="alert.paged").count()
print(json.dumps({"pages": sorted(pages), "runs": StepRun.objects.filter(alert=a).count(),
                  "events": events, "next": str(a.next_step_at), "state": a.state}))
"""


def test_killing_the_node_mid_escalation_neither_loses_nor_pages_twice(world: World) -> None:
    kz = world.fed.node("KZ")
    kz.manage("shell", "-c", FAST_POLICY)
    sent = notify(world, "immediate", "kill test")
    envelope_id = sent["envelope_id"]

    def state() -> dict[str, Any]:
        return dict(
            json.loads(kz.manage("shell", "-c", COUNT % envelope_id).strip().splitlines()[-1])
        )

    query = "SELECT count(*) FROM alerts_alert WHERE envelope_id = ?"
    first = wait_for(lambda: kz.sql(query, (envelope_id,))[0][0])
    assert first == 1
    kz.kill()  # SIGKILL web process, scheduler and background threads at once
    time.sleep(4)  # the next step falls due while the node is down
    kz.restart()
    done = wait_for(lambda: (s := state())["next"] == "None" and s, timeout=90, step=1)
    expected = [(0, 0, "kz.p1"), (0, 1, "kz.p1"), (1, 0, "kz.coord"), (1, 1, "kz.coord")]
    assert [tuple(p) for p in done["pages"]] == expected
    assert done["runs"] == 4 and done["events"] == 4 and done["state"] == "triggered"


ACK_AUDIT = (
    "SELECT actor, actor_kind, role FROM audit_auditentry WHERE action = ? AND object_id = ?"
)


def test_duty_desk_in_chromium_opens_acknowledges_and_origin_sees_it(world: World) -> None:
    """The 3 a.m. path on five real nodes: MD notifies KZ; the on-call prosecutor's desk
    shows the card live (1366 px and 390 px); the card opens the alert page with our
    law's comparison; acknowledging keeps focus on the card and assigns the item; MD's
    thread shows who acknowledged; KZ's audit log names the prosecutor."""
    from playwright.sync_api import expect, sync_playwright

    from tests.accounts.helpers import launch_chromium, login_browser
    from tests.screens import save

    kz_url, md_url = world.fed.node("KZ").url, world.fed.node("MD").url
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            wide = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU")
            desk = wide.new_page()
            login_browser(desk, kz_url, "kz.p1", PASSWORD, world.secrets["kz.p1"])
            desk.goto(kz_url + "/alerts/")
            expect(desk.locator("#alerts-status[data-live='1']")).to_have_count(1, timeout=10000)
            sent = notify(world, "immediate", "Браузерный тест")
            card = desk.locator("#alerts-body li.alert-card", has_text="Браузерный тест")
            expect(card).to_have_count(1, timeout=15000)  # pushed, no reload
            expect(card).to_have_attribute("data-state", "triggered")
            expect(card.locator(".kind")).to_have_text("Получено уведомление о деле")
            expect(card.locator(".badge.urgency")).to_have_text("Немедленно")
            expect(card.locator(".origin")).to_contain_text("Молдова")
            expect(card.locator(".age")).to_contain_text("не подтверждено")
            # Pushed cards show the node's local time with its zone, like rendered ones.
            expect(card.locator("time")).to_have_text(
                re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d Алматы, UTC\+5$")
            )
            expect(desk).to_have_title(re.compile(r"^\(\d+\) "))
            save(desk, "duty-desk")

            # The card opens the alert page: the item, the comparison, the escalation.
            card.locator(".alert-title a").click()
            expect(desk.locator("h1")).to_contain_text("Браузерный тест")
            expect(desk.locator(".subject")).to_contain_text("Сопоставление с нашим законом")
            expect(desk.locator(".timeline li").first).to_contain_text("kz.p1")
            save(desk, "alert-page")

            # Back on the desk, acknowledge by keyboard: focus stays on the card.
            desk.goto(kz_url + "/alerts/")
            card = desk.locator("#alerts-body li.alert-card", has_text="Браузерный тест")
            ack = card.locator("button[data-action=ack]")
            expect(ack).to_have_attribute("aria-label", re.compile(r"^Принять: .*Браузерный тест$"))
            ack.focus()
            desk.keyboard.press("Enter")
            expect(card).to_have_attribute("data-state", "acknowledged", timeout=10000)
            # The pushed event may redraw the card before the POST's answer puts the focus
            # back on it: wait for the answer, not for the push.
            desk.wait_for_function(
                "() => !!document.activeElement.closest('li.alert-card') && "
                "document.activeElement.closest('li.alert-card').textContent"
                ".includes('Браузерный тест')",
                timeout=10000,
            )
            expect(card.locator(".age")).to_contain_text("принято")

            # The item is now the prosecutor's.
            card.locator("a.open").click()
            expect(desk.locator("body")).to_contain_text("kz.p1")
            expect(desk.locator("body")).to_contain_text("Сопоставление с нашим законом")

            # The phone layout: a card with its button on screen.
            phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="ru-RU")
            mobile = phone.new_page()
            login_browser(mobile, kz_url, "kz.p1", PASSWORD, world.secrets["kz.p1"])
            mobile.goto(kz_url + "/alerts/")
            expect(mobile.locator("#alerts-status[data-live='1']")).to_have_count(1, timeout=10000)
            notify(world, "urgent", "Телефонный тест")
            small = mobile.locator("#alerts-body li.alert-card", has_text="Телефонный тест")
            expect(small).to_have_count(1, timeout=15000)
            button = small.locator("button[data-action=ack]")
            expect(button).to_be_in_viewport()
            box = small.bounding_box()
            assert box is not None and box["x"] + box["width"] <= 390
            save(mobile, "duty-desk-phone")

            # A coordinator in English sees every alert, the history, the alert page.
            english = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
            coord = english.new_page()
            login_browser(coord, kz_url, "kz.coord", PASSWORD, world.secrets["kz.coord"])
            coord.goto(kz_url + "/alerts/")
            coord.locator("button[name=language][value=en]").click()  # the RU/EN switch
            expect(coord.locator("#alerts-body .kind").first).to_have_text(
                "Case notification received"
            )
            save(coord, "duty-desk-en-coordinator")
            coord.goto(kz_url + "/alerts/history/?state=acknowledged")
            expect(coord.locator("table.history")).to_contain_text("Браузерный тест")
            expect(coord.locator("h1")).to_have_text("Alert history")
            save(coord, "history-en-coordinator")
            coord.locator("table.history a", has_text="Браузерный тест").first.click()
            expect(coord.locator("dd.acknowledged")).to_contain_text("kz.p1")
            save(coord, "alert-page-en-coordinator")

            origin = browser.new_context(locale="ru-RU").new_page()
            login_browser(origin, md_url, "md.coord", PASSWORD, world.secrets["md.coord"])
            ack_line = origin.locator("li.ack", has_text="KZ")
            deadline = time.monotonic() + 20
            while True:
                origin.goto(f"{md_url}/cases/threads/{sent['envelope_id']}/")
                if ack_line.count() or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            expect(ack_line).to_have_count(1)
            save(origin, "thread")
        finally:
            browser.close()
    kz = world.fed.node("KZ")
    alert_id = kz.sql("SELECT id FROM alerts_alert WHERE envelope_id = ?", (sent["envelope_id"],))
    entries = kz.sql(ACK_AUDIT, ("alert.acknowledged", str(alert_id[0][0])))
    assert [tuple(e) for e in entries] == [("kz.p1", "user", "prosecutor")]
