"""Real browser (issue 22): on the case page the coordinator checks the case's indicators
with the other countries, sees MD's match and TJ's "not supported", and with one click
notifies MD of the case carrying only the matched indicators. 1366 and 390 px, ru and en.

This process is KZ. MD is a FakePeer at an address nothing listens on: the test plays
its side, a real PSI answer posted to KZ's inbox. TJ is a tiny HTTP server that answers
every envelope as a node without the extension does: 422 `unsupported`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from cases import private_match, psi
from cases.models import Case, MatchQuery
from exchange import outbox
from exchange import services as exchange_services
from exchange.models import OutboundMessage
from node import services as node_services
from node.crypto import b64url_decode, b64url_encode
from tests import factories, screens
from tests.accounts.helpers import (
    PASSWORD,
    create_user,
    launch_chromium,
    login_browser,
    totp_secret,
)
from tests.fednet import FakePeer
from tests.httpstub import Stub, serving

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MD, TJ = FakePeer("MD"), FakePeer("TJ")
MD_HOLDS = ["phone:+77015550101", "domain:studio-models.kz", "telegram:someone_else"]


class _Unsupported(Stub):
    def do_POST(self) -> None:
        self.request_body()
        body = {"error": {"code": "unsupported", "message": "type match.query unsupported"}}
        self.answer(422, json.dumps(body).encode(), {"Content-Type": "application/json"})


@pytest.fixture
def tj_url() -> Iterator[str]:
    with serving(_Unsupported) as server:
        yield f"http://127.0.0.1:{server.server_port}"


def _play_peers() -> None:
    """TJ's queue is delivered now (with Redis the delivery task waits for a Celery worker
    this test does not run); MD answers for real. Runs in a thread of its own:
    Playwright's loop owns the test's thread."""
    try:
        outbox.deliver_peer("TJ")
        for query in MatchQuery.objects.filter(state=MatchQuery.State.SENT, peer="MD"):
            sent = OutboundMessage.objects.get(envelope_id=query.envelope_id).envelope
            key = psi.new_server_key()
            request = b64url_decode(sent["body"]["request"])
            setup = psi.server_setup(key, MD_HOLDS, 500)
            body = {
                "response": b64url_encode(psi.server_answer(key, request)),
                "setups": [b64url_encode(setup)],
                "setup_version": 1,
                "base": psi.setup_digest(setup),
            }
            answer = MD.envelope(
                ["KZ"], type="match.answer", body=body, in_reply_to=sent["id"], thread=sent["id"]
            )
            assert factories.signed_post(MD, answer).status_code == 202
    finally:
        connection.close()


def test_check_see_the_match_and_notify_with_only_those(
    live_server: Any, settings: Any, tmp_path: Any, tj_url: str
) -> None:
    from playwright.sync_api import sync_playwright

    settings.NODE_KEY_DIR = tmp_path / "keys"
    settings.NODE_COUNTRY = "KZ"
    node_services.node_init()
    for peer, url in ((MD, "http://127.0.0.1:9"), (TJ, tj_url)):
        exchange_services.peer_add(
            country=peer.country, url=url, keys=[(peer.key_id, peer.public_key)]
        )
    coordinator = create_user("br.coord", "coordinator", "hq")
    prosecutor = create_user("br.p1", "prosecutor", "cyber")
    case = factories.case(
        coordinator,
        assigned=[prosecutor],
        offence={"country": "KZ", "code": "CC", "article": "128", "part": "1"},
        indicators=[
            {"kind": "phone", "value": "8 701 555 01 01"},
            {"kind": "domain", "value": "shop.studio-models.kz"},
            {"kind": "telegram", "value": "@kz_only_handle"},
        ],
    )
    assert private_match.peers() == ["MD", "TJ"]
    secret, p1_secret = totp_secret(coordinator), totp_secret(prosecutor)
    connection.close()
    seen: dict[str, str] = {}
    base = f"{live_server.url}/cases/{case.pk}/"
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            login_browser(page, live_server.url, "br.coord", PASSWORD, secret)
            page.goto(base)
            page.click("#match-form button[type=submit]")
            page.wait_for_selector('#match-results li[data-country="MD"][data-state="sent"]')
            md_side = threading.Thread(target=_play_peers)
            md_side.start()
            md_side.join()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                page.reload()
                if page.locator('#match-results li[data-state="sent"]').count() == 0:
                    break
                time.sleep(0.5)
            md = page.locator('#match-results li[data-country="MD"]')
            seen["md"] = md.inner_text()
            seen["tj"] = page.locator('#match-results li[data-country="TJ"]').inner_text()
            for width in (1366, 390):
                page.set_viewport_size({"width": width, "height": 900})
                for language in ("ru", "en"):
                    page.context.add_cookies(
                        [{"name": "django_language", "value": language, "url": live_server.url}]
                    )
                    page.goto(base)
                    seen[f"page-{language}-{width}"] = page.inner_text("#private-match")
                    screens.save(page, f"private-match-{language}-{width}")
            page.context.add_cookies(
                [{"name": "django_language", "value": "en", "url": live_server.url}]
            )
            page.set_viewport_size({"width": 1366, "height": 900})
            page.goto(base)
            page.click("#match-results a.match-notify")
            seen["targeted"] = page.inner_text("#notify-targeted")
            screens.save(page, "private-match-targeted-en-1366")
            assert page.is_checked("#to-MD")
            page.check("#handling-H1")
            page.click("#notify button[type=submit]")
            page.wait_for_selector('.destinations li[data-country="MD"]')
            screens.save(page, "private-match-notified-en-1366")
            # A prosecutor of the case sees the answers, not the coordinators' notify link.
            mine = browser.new_page(viewport={"width": 390, "height": 900})
            login_browser(mine, live_server.url, "br.p1", PASSWORD, p1_secret)
            mine.goto(base)
            seen["prosecutor"] = mine.inner_text("#private-match")
            seen["prosecutor-links"] = str(mine.locator("a.match-notify").count())
            screens.save(mine, "private-match-prosecutor-ru-390")
        finally:
            browser.close()

    assert "совпадение по 2 признакам" in seen["md"]
    assert "+77015550101" in seen["md"] and "kz_only_handle" not in seen["md"]
    assert "не поддерживает закрытую сверку" in seen["tj"]
    for width in (1366, 390):
        assert "match on 2 indicators" in seen[f"page-en-{width}"]
        assert "does not support private matching" in seen[f"page-en-{width}"]
        assert "Сверить с другими странами" in seen[f"page-ru-{width}"]
    assert "kz_only_handle" not in seen["targeted"]
    assert "совпадение по 2 признакам" in seen["prosecutor"]
    assert seen["prosecutor-links"] == "0"
    note = OutboundMessage.objects.get(type="case.notification")
    assert note.envelope["to"] == ["MD"]
    assert sorted(i["value"] for i in note.envelope["body"]["indicators"]) == [
        "+77015550101",
        "shop.studio-models.kz",
    ]
    assert Case.objects.get(pk=case.pk).notifications.get().country == "MD"
