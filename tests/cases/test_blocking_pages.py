"""The coordinator's page of the blocking feed (cases.blocking.pages): state, registries,
add (token shown once), revoke; prosecutors do not see it. Chromium screenshots in ru and
en at 1366 and 390 px (tests/screens.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from audit.models import AuditEntry
from cases import takedowns
from cases.blocking.models import Registry
from tests import factories, screens, walk
from tests.accounts.helpers import create_user, verified_client
from tests.cases.test_blocking_feed import MD, received


@pytest.fixture
def kz(db: Any, settings: Any, tmp_path: Any) -> None:
    factories.node(settings, tmp_path, "KZ", MD)


def test_a_coordinator_adds_a_registry_sees_its_token_once_and_revokes_it(kz: None) -> None:
    coord = create_user("kz.coord", "coordinator", "hq")
    item = received()
    takedowns.takedown_status_report(
        actor=coord, item=item, target="webcam-jobs.md", status="order_issued"
    )
    client = verified_client(Client(), coord)
    page = client.get("/cases/blocking/").content.decode()
    assert "Лента блокировок" in page and "Ни один реестр" in page
    assert "/api/v1/blocking/feed.rpz" in page
    assert not walk.problems(page, "ru", set(), walk.raw_values())

    added = client.post("/cases/blocking/", {"name": "Кибернадзор"})
    assert added.status_code == 201 and added["Cache-Control"] == "no-store"
    token = re.search(r'<code id="new-token">([^<]+)</code>', added.content.decode())
    assert token is not None and token[1].startswith("n247reg_")
    registry = Registry.objects.get(name="Кибернадзор")
    assert AuditEntry.objects.filter(action="blocking.registry.add", actor="kz.coord").exists()
    again = client.get("/cases/blocking/").content.decode()
    assert not walk.problems(again, "ru", {"кибернадзор"}, walk.raw_values())
    assert token[1] not in again and "токен действует" in again
    assert client.post("/cases/blocking/", {"name": "Кибернадзор"}).status_code == 400

    client.post(f"/cases/blocking/{registry.pk}/revoke/")
    registry.refresh_from_db()
    assert registry.revoked_at is not None
    assert "токен отозван" in client.get("/cases/blocking/").content.decode()

    prosecutor = verified_client(Client(), create_user("kz.p1", "prosecutor", "cyber"))
    assert prosecutor.get("/cases/blocking/").status_code == 403
    assert prosecutor.post("/cases/blocking/", {"name": "x"}).status_code == 403


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_page_in_chromium_ru_en_1366_390(
    live_server: Any, settings: Any, tmp_path: Any
) -> None:
    from django.db import connection
    from playwright.sync_api import sync_playwright

    from tests.accounts.helpers import PASSWORD, launch_chromium, login_browser, totp_secret

    factories.node(settings, tmp_path, "KZ", MD)
    coord = create_user("kz.coord", "coordinator", "hq")
    item = received()
    takedowns.takedown_status_report(
        actor=coord, item=item, target="webcam-jobs.md", status="order_issued"
    )
    secret = totp_secret(coord)
    connection.close()
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            login_browser(page, live_server.url, "kz.coord", PASSWORD, secret)
            for language in ("ru", "en"):
                page.context.add_cookies(
                    [{"name": "django_language", "value": language, "url": live_server.url}]
                )
                page.goto(f"{live_server.url}/cases/blocking/")
                page.fill("#id_name", f"Registry {language}")
                page.click("form[action$='/cases/blocking/'] button[type=submit]")
                page.wait_for_load_state()
                assert page.locator("#new-token").inner_text().startswith("n247reg_")
                for width in (1366, 390):
                    page.set_viewport_size({"width": width, "height": 900})
                    screens.save(page, f"blocking-feed-{language}-{width}")
                page.set_viewport_size({"width": 1366, "height": 900})
        finally:
            browser.close()
