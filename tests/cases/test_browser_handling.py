"""Real browser: what a received item's handling code asks is on its page (issue 17,
problem 2): H3 restrictions in the user's language beside the item, and a proposed mirror
says which country's content, under which code, it was found in. 1366 and 390 px, ru and en."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client

from cases import takedowns
from cases.models import InboundItem
from exchange import canonical
from exchange import services as exchange_services
from node import services as node_services
from tests import screens
from tests.accounts.helpers import (
    PASSWORD,
    create_user,
    launch_chromium,
    login_browser,
    totp_secret,
)
from tests.fednet import FakePeer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MD = FakePeer("MD")
RESTRICTION = "Не использовать в суде без согласия Молдовы"


def _receive(handling: str, **body: Any) -> InboundItem:
    fields = {
        "case_ref": "MD-2026-0042",
        "title": "Вербовка веб-моделей",
        "summary": "Объявления в Telegram",
        "offence": {"country": "MD", "code": "CC", "article": "220/1", "part": "1"},
        "facts": ["adult_victim", "online"],
        "indicators": [{"kind": "phone", "value": "+37369123456"},
                       {"kind": "domain", "value": "jobs-abroad2.md"}],
        "urgency": "urgent",
        **body,
    }  # fmt: skip
    envelope = MD.envelope(["KZ"], type="case.notification", body=fields, handling=handling)
    raw = canonical.dumps(MD.sign(envelope))
    response = Client().post("/federation/v1/inbox", raw, content_type="application/json")
    assert response.status_code == 202, response.content
    return InboundItem.objects.get(envelope_id=envelope["id"])


def test_restrictions_and_the_source_of_a_mirror_are_shown(
    live_server: Any, settings: Any, tmp_path: Any
) -> None:
    from playwright.sync_api import sync_playwright

    settings.NODE_KEY_DIR = tmp_path / "keys"
    settings.NODE_COUNTRY = "KZ"
    node_services.node_init()
    for country in ("MD", "UZ"):
        exchange_services.peer_add(
            country=country, url="http://127.0.0.1:9", keys=[(f"{country}:k", MD.public_key)]
            if country == "UZ" else [(MD.key_id, MD.public_key)],
        )  # fmt: skip
    coordinator = create_user("br.coord", "coordinator", "hq")
    takedowns.takedown_create(
        actor=coordinator,
        targets=[{"domain": "jobs-abroad.kz"}],
        legal_basis={"country": "KZ", "code": "CC", "article": "309"},
        requested_action="block",
        urgency="urgent",
        to=["MD", "UZ"],
        indicators=[{"kind": "phone", "value": "+37369123456"}],
    )
    item = _receive("H3", restrictions=RESTRICTION)
    secret = totp_secret(coordinator)
    connection.close()
    seen: dict[str, str] = {}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            for width in (1366, 390):
                page = browser.new_page(viewport={"width": width, "height": 900})
                login_browser(page, live_server.url, "br.coord", PASSWORD, secret)
                for language in ("ru", "en"):
                    page.goto(f"{live_server.url}/i18n/setlang/")  # 405 page, sets nothing
                    page.context.add_cookies(
                        [{"name": "django_language", "value": language, "url": live_server.url}]
                    )
                    page.goto(f"{live_server.url}/cases/inbound/{item.pk}/")
                    seen[f"item-{language}-{width}"] = page.inner_text("main")
                    screens.save(page, f"inbound-h3-{language}-{width}")
                    page.goto(f"{live_server.url}/cases/takedowns/")
                    seen[f"board-{language}-{width}"] = page.inner_text("main")
                    screens.save(page, f"takedowns-proposal-{language}-{width}")
                page.close()
        finally:
            browser.close()
    for width in (1366, 390):
        ru, en = seen[f"item-ru-{width}"], seen[f"item-en-{width}"]
        assert "Ограничения отправителя (Молдова)" in ru and RESTRICTION in ru
        assert "Restrictions set by Moldova" in en and RESTRICTION in en
        assert "получено из MD с кодом H3" in seen[f"board-ru-{width}"]
        assert "received from MD under H3" in seen[f"board-en-{width}"]
