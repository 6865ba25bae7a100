"""The explorer in Chromium against a live server: the mission's example, side by side."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from tests import factories
from tests.accounts.helpers import launch_chromium, verified_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_explorer_shows_the_mission_example(live_server: Any) -> None:
    from playwright.sync_api import sync_playwright

    client = verified_client(Client(), factories.user("lm-browser", "prosecutor"))
    session_id = client.cookies[settings.SESSION_COOKIE_NAME].value
    # Playwright's sync API runs an event loop in this thread; no ORM from here on.
    connection.close()
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            _browse(browser, live_server.url, session_id)
        finally:
            browser.close()


def _browse(browser: Any, url: str, session_id: str) -> None:
    context = browser.new_context(locale="en-US")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_id, "url": url}])
    page = context.new_page()
    page.goto(f"{url}/legal-map/")
    assert page.get_by_role("heading", name="Правовая карта").is_visible()

    # Pick the source offence and the facts as a prosecutor would.
    page.select_option("select[name=country]", "MD")
    page.wait_for_load_state()
    page.fill("input[name=article]", "220/1")
    page.fill("input[name=date]", "2025-03-01")
    page.check("input[name=facts][value=minor_victim]")
    # The mission facts: v2 needs MD 220/1's act (here pimping) named (issue 16).
    for fact in ("webcam", "profit", "sexual_services", "pimping"):
        page.check(f"input[name=facts][value={fact}]")
    page.get_by_role("button", name="Сравнить").click()
    page.wait_for_selector("section.lm-col[data-country=KZ]")

    assert page.locator("section.lm-part").count() == 5
    columns = page.locator("section.lm-col")
    assert sorted(columns.evaluate_all("els => els.map(e => e.dataset.country)")) == [
        "KG",
        "KZ",
        "TJ",
        "UZ",
    ]
    kz = page.locator("section.lm-col[data-country=KZ]")
    first = kz.locator(".lm-res").first
    # KZ 312 was re-keyed to 312 p.1, labelled partly_verified (catalogue v2).
    assert first.get_attribute("data-article") == "312"
    assert first.get_attribute("data-part") == "1"
    badge = first.locator(".badge").first
    assert badge.inner_text() == "частично проверено"
    assert "partly_verified" in (badge.get_attribute("class") or "")
    # A minor contradicts MD 220/1's adult victim: not made out, never satisfied.
    verdict = kz.locator("p[class^=verdict-]")
    assert verdict.inner_text() == "двойная криминальность не ясна"
    assert verdict.get_attribute("class") == "verdict-uncertain"

    # The adult-victim case: KZ 309 (2024 wording) first and satisfied, 309-1 a draft.
    page.uncheck("input[name=facts][value=minor_victim]")
    page.check("input[name=facts][value=adult_victim]")
    page.get_by_role("button", name="Сравнить").click()
    page.wait_for_load_state()
    kz = page.locator("section.lm-col[data-country=KZ]")
    articles = kz.locator(".lm-res").evaluate_all("els => els.map(e => e.dataset.article)")
    # KZ 308 p.1 needs violence/threat/blackmail/deception (catalogue v2): 309 leads.
    assert articles[0] == "309"
    assert kz.locator(".lm-res").first.get_attribute("data-status") == "in_force"
    assert kz.locator("p[class^=verdict-]").get_attribute("class") == "verdict-satisfied"
    draft = kz.locator(".lm-res[data-article='309-1']")
    assert draft.get_attribute("data-status") == "draft"
    assert "проект" in draft.inner_text()

    # English on request.
    page.get_by_role("button", name="EN").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Legal map").is_visible()
    assert "dual criminality" in page.locator("section.lm-col[data-country=KZ]").inner_text()
